package dev.flywheel.training;

import static org.apache.spark.sql.functions.col;

import dev.flywheel.lakehouse.LakehouseException;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import ml.dmlc.xgboost4j.LabeledPoint;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import ml.dmlc.xgboost4j.scala.spark.XGBoostTrainingSummary;
import org.apache.spark.ml.functions;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Option;

/**
 * XGBoost trained in the driver with the plain Java API, always. Why not the Spark estimator: it has no
 * warm start (3.x), and continuing the champion's booster is the point of an incremental run; training
 * every version the same way keeps cold and warm runs comparable and makes the exported booster the
 * one that produced the holdout scores. The cost is the documented limit: the training rows are
 * streamed to the driver (about 200 bytes per row for 49 float features, so a few million rows per
 * run on a laptop-sized driver). Scoring stays distributed: the booster is wrapped in a Spark model.
 */
final class Xgboost {
  private Xgboost() {}

  /**
   * Boosts trees on the {@code features}/{@code label} rows of {@code train}, continuing {@code initial} when
   * present (which is then changed in place and returned). With early stopping, the validation slice's log
   * loss picks how many of at most {@code rounds} new trees to keep: boosting stops once it has not improved
   * for {@code earlyStoppingRounds} rounds, then the run boosts again exactly to the best round from the
   * same start (the Java API has no way to drop trees), which gives the same first trees since the seed and
   * the rows are the same.
   *
   * @throws LakehouseException when early stopping is on and {@code validation} has no row
   */
  static Booster fit(Dataset<Row> train, Dataset<Row> validation, TrainConfig config, Optional<Booster> initial) {
    TrainConfig.XgboostSettings settings = config.xgboost();
    try {
      DMatrix matrix = matrix(train);
      try {
        Map<String, Object> params = params(config);
        int newTrees = settings.rounds();
        if (settings.earlyStoppingRounds() > 0) {
          newTrees = bestRounds(matrix, validation, params, settings, initial);
        }
        return XGBoost.train(matrix, params, newTrees, Map.of(), null, null, null, 0, initial.orElse(null));
      } finally {
        matrix.dispose();
      }
    } catch (XGBoostError e) {
      throw new LakehouseException("XGBoost training failed: " + e.getMessage(), e);
    }
  }

  /** The new rounds after which the validation log loss was lowest, boosting on a copy of {@code initial}. */
  private static int bestRounds(DMatrix matrix, Dataset<Row> validation, Map<String, Object> params,
      TrainConfig.XgboostSettings settings, Optional<Booster> initial) throws XGBoostError {
    if (validation.isEmpty()) {
      throw new LakehouseException("XGBoost's early stopping needs validation rows and the validation slice is"
          + " empty: raise --validation-fraction or train on more examples");
    }
    DMatrix watched = matrix(validation);
    try {
      float[][] logLoss = new float[1][settings.rounds()];
      // The Java API prints every round's validation log loss unless told not to.
      Map<String, Object> quiet = new HashMap<>(params);
      quiet.put("verbose_eval", "false");
      Booster probe = XGBoost.train(matrix, quiet, settings.rounds(), Map.of("validation", watched), logLoss, null,
          null, settings.earlyStoppingRounds(), initial.map(Xgboost::copy).orElse(null));
      int boosted = probe.getNumBoostedRound() - initial.map(Xgboost::rounds).orElse(0);
      probe.dispose();
      int best = 0;
      for (int round = 1; round < boosted; round++) {
        if (logLoss[0][round] < logLoss[0][best]) {
          best = round;
        }
      }
      return best + 1;
    } finally {
      watched.dispose();
    }
  }

  /** The rows' dense features and labels, streamed to the driver. */
  private static DMatrix matrix(Dataset<Row> rows) throws XGBoostError {
    Iterator<Row> local = rows.select(functions.vector_to_array(col("features"), "float32"), col("label"))
        .toLocalIterator();
    Iterator<LabeledPoint> points = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return local.hasNext();
      }

      @Override
      public LabeledPoint next() {
        Row row = local.next();
        java.util.List<Float> values = row.getList(0);
        float[] dense = new float[values.size()];
        for (int i = 0; i < dense.length; i++) {
          dense[i] = values.get(i);
        }
        return new LabeledPoint((float) row.getDouble(1), dense.length, null, dense);
      }
    };
    return new DMatrix(points, null, Float.NaN);
  }

  private static Map<String, Object> params(TrainConfig config) {
    TrainConfig.XgboostSettings settings = config.xgboost();
    Map<String, Object> params = new HashMap<>();
    params.put("objective", "binary:logistic");
    params.put("eval_metric", "logloss");
    params.put("eta", settings.eta());
    params.put("max_depth", settings.maxDepth());
    params.put("min_child_weight", settings.minChildWeight());
    params.put("subsample", settings.subsample());
    params.put("colsample_bytree", settings.colsampleByTree());
    params.put("tree_method", "hist");
    params.put("seed", 7);
    params.put("nthread", Runtime.getRuntime().availableProcessors());
    if (config.gpu()) {
      params.put("device", "cuda");
    }
    return params;
  }

  /** The booster's trees (boosted rounds). */
  static int rounds(Booster booster) {
    try {
      return booster.getNumBoostedRound();
    } catch (XGBoostError e) {
      throw new LakehouseException("Cannot read the XGBoost booster's rounds: " + e.getMessage(), e);
    }
  }

  /** An independent copy of {@code booster} (boosting changes a booster in place). */
  static Booster copy(Booster booster) {
    try {
      return XGBoost.loadModel(booster.toByteArray("ubj"));
    } catch (XGBoostError | IOException e) {
      throw new LakehouseException("Cannot copy the XGBoost booster: " + e.getMessage(), e);
    }
  }

  /**
   * A Spark model around a copy of {@code booster}: features in {@code features}, probability vector in
   * {@code xgb_probability}. A copy, because the Scala wrapper the model needs disposes the booster it
   * wraps when it is garbage-collected (its finalizer): wrapping the caller's booster would free it
   * under the caller once the model is dropped (seen as "Booster has already been disposed").
   */
  static XGBoostClassificationModel sparkModel(Booster booster) {
    XGBoostClassificationModel model = new XGBoostClassificationModel(Identifiable.randomUID("xgbc"), 2,
        new ml.dmlc.xgboost4j.scala.Booster(copy(booster)), Option.<XGBoostTrainingSummary>empty());
    model.setFeaturesCol("features");
    model.setProbabilityCol("xgb_probability");
    model.setRawPredictionCol("xgb_raw");
    model.setPredictionCol("xgb_prediction");
    return model;
  }
}
