package dev.flywheel.training;

import java.util.List;
import java.util.Objects;
import org.apache.spark.ml.classification.LogisticRegressionModel;

/**
 * The models of one version: its base learners and the stack over their logits and context inputs.
 *
 * @param stackInputs the stack's inputs in coefficient order, as the bundle's stack.json names them: each a
 *     product of {@code logit_<learner>} and {@code x_<feature>} (a normalized feature) factors joined by
 *     {@code *}, the base learners' plain logits first
 */
record Learners(BaseLearners base, LogisticRegressionModel stack, List<String> stackInputs) {
  Learners {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(stack, "stack");
    stackInputs = List.copyOf(stackInputs);
    if (!stackInputs.subList(0, Math.min(stackInputs.size(), base.stackInputs().size())).equals(base.stackInputs())) {
      throw new IllegalArgumentException("the stack's inputs " + stackInputs + " must start with the base learners'"
          + " logits " + base.stackInputs());
    }
  }
}
