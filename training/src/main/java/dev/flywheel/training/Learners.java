package dev.flywheel.training;

import java.util.Objects;
import org.apache.spark.ml.classification.LogisticRegressionModel;

/** The models of one version: its base learners and the stack over their logits. */
record Learners(BaseLearners base, LogisticRegressionModel stack) {
  Learners {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(stack, "stack");
  }
}
