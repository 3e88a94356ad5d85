package dev.flywheel.training;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import ml.dmlc.xgboost4j.java.Booster;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.classification.LogisticRegressionModel;

/**
 * The base learners of one version, whose logits the stack combines in {@link #names()} order:
 * logistic regression and XGBoost over the normalized feature vector, the factorization machine over
 * it and the hashed user and item ids, and XGBoost's pairwise ranker over the feature vector.
 *
 * @param fm absent in versions trained before the factorization machine was a base learner
 * @param ranker absent in versions trained before the ranker was a base learner
 */
record BaseLearners(LogisticRegressionModel lr, Booster xgboost, Optional<PipelineModel> fm, Optional<Booster> ranker) {
  BaseLearners {
    Objects.requireNonNull(lr, "lr");
    Objects.requireNonNull(xgboost, "xgboost");
    Objects.requireNonNull(fm, "fm");
    Objects.requireNonNull(ranker, "ranker");
  }

  /** {@link Trainer#LR}, {@link Trainer#XGBOOST}, then {@link Trainer#FM} and {@link Trainer#RANKER} if present. */
  List<String> names() {
    List<String> names = new ArrayList<>(List.of(Trainer.LR, Trainer.XGBOOST));
    fm.ifPresent(model -> names.add(Trainer.FM));
    ranker.ifPresent(model -> names.add(Trainer.RANKER));
    return names;
  }

  /**
   * The learners whose outputs are probabilities, which the plain average takes: all but the ranker, whose
   * output is the logistic function of a ranking score (a logit to the stack, but no calibrated probability).
   */
  List<String> probabilityNames() {
    return names().stream().filter(name -> !name.equals(Trainer.RANKER)).toList();
  }

  /** The stack's inputs in coefficient order: {@code logit_<learner>} of each base learner. */
  List<String> stackInputs() {
    return names().stream().map(name -> "logit_" + name).toList();
  }
}
