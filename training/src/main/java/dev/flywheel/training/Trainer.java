package dev.flywheel.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import dev.flywheel.lakehouse.LakehouseException;
import dev.flywheel.lakehouse.Tables;
import java.io.IOException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassifier;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Trains a candidate on training examples, evaluates it against the champion on the same holdout,
 * and registers it, in that order: a run that fails before the end leaves the registry unchanged.
 * Split by time (train, then validation, then holdout), never at random, so the holdout is the
 * future of everything a model saw. Base learners: elastic-net logistic regression and XGBoost; the
 * candidate's score is a logistic-regression stack over their logits fitted on the validation slice.
 */
public final class Trainer {
  /** The models a version stores, under its artifact folder. */
  private static final String LR = "lr";
  private static final String XGBOOST = "xgboost";
  private static final String STACK = "stack";

  private Trainer() {}

  /** Numeric example columns the learners use, in vector order. */
  public static List<String> featureColumns() {
    List<String> columns = new ArrayList<>(List.of("position", "hour_of_day", "g_ctr", "g_positive_rate"));
    for (String prefix : Tables.EXAMPLE_PREFIXES) {
      for (String feature : Tables.EXAMPLE_FEATURES) {
        columns.add(prefix + feature);
      }
    }
    return columns;
  }

  /**
   * Trains, gates and registers one version; empty when an incremental run finds no example after
   * the champion's training window.
   */
  public static Optional<ModelVersion> train(Dataset<Row> examples, Map<String, Long> inputVersions,
      ModelRegistry registry, TrainConfig config) {
    Optional<ModelVersion> champion = registry.champion();
    Dataset<Row> selected = select(examples, champion, config);
    Row window = selected.agg(min("event_time"), max("event_time")).first();
    if (window.isNullAt(0)) {
      return Optional.empty();
    }
    Dataset<Row> prepared = prepare(selected, config.label()).cache();
    double[] cuts = prepared.stat().approxQuantile("t",
        new double[] {1 - config.validationFraction() - config.holdoutFraction(), 1 - config.holdoutFraction()}, 0);
    Dataset<Row> train = prepared.where(col("t").lt(cuts[0]));
    Dataset<Row> validation = prepared.where(col("t").geq(cuts[0]).and(col("t").lt(cuts[1])));
    Dataset<Row> holdout = prepared.where(col("t").geq(cuts[1]));

    Map<String, Boolean> warmStart = new LinkedHashMap<>();
    LogisticRegression lr = new LogisticRegression().setElasticNetParam(0.5).setRegParam(0.001).setMaxIter(100)
        .setProbabilityCol("lr_probability").setRawPredictionCol("lr_raw").setPredictionCol("lr_prediction");
    Optional<LogisticRegressionModel> championLr = champion.map(c -> LogisticRegressionModel.load(path(c, LR)));
    championLr.ifPresent(model -> warmStart(lr, model));
    warmStart.put(LR, championLr.isPresent());
    LogisticRegressionModel lrModel = lr.fit(train);
    XGBoostClassificationModel xgbModel = (XGBoostClassificationModel) xgboost(config).fit(train);
    // The Spark estimator has no warm start; continuing the champion's booster needs the plain Java API.
    warmStart.put(XGBOOST, false);
    LogisticRegressionModel stack = new LogisticRegression().setFeaturesCol("stack_features").setRegParam(0)
        .setProbabilityCol("stack_probability").setRawPredictionCol("stack_raw").setPredictionCol("stack_prediction")
        .fit(baseScores(validation, lrModel, xgbModel));

    Dataset<Row> scored = score(holdout, lrModel, xgbModel, stack).cache();
    Map<String, Double> metrics = new LinkedHashMap<>();
    Map<String, Double> candidate = Metrics.of(scored, "p_stack");
    metrics.putAll(candidate);
    for (String learner : List.of(LR, XGBOOST, "average", STACK)) {
      Metrics.of(scored, "p_" + learner).forEach((k, v) -> metrics.put(learner + "." + k, v));
    }
    Optional<Map<String, Double>> championMetrics = champion.map(c -> Metrics.of(score(holdout,
        LogisticRegressionModel.load(path(c, LR)), (XGBoostClassificationModel) XGBoostClassificationModel.load(path(c, XGBOOST)),
        LogisticRegressionModel.load(path(c, STACK))), "p_stack"));
    championMetrics.ifPresent(m -> m.forEach((k, v) -> metrics.put("champion." + k, v)));
    Gate.Decision decision = Gate.decide(candidate, championMetrics, config.aucEpsilon(), config.logLossDelta());

    String artifacts = config.models().resolve("run-" + UUID.randomUUID()).toString();
    save(lrModel, artifacts, LR);
    save(xgbModel, artifacts, XGBOOST);
    save(stack, artifacts, STACK);
    ModelVersion registered = registry.newVersion(new ModelVersion(0, champion.map(ModelVersion::version).orElse(null),
        Instant.now(), codeVersion(), config.label(), instant(window.get(0)), instant(window.get(1)), inputVersions,
        config.asParams(), metrics, warmStart, decision.promote() ? ModelStatus.CANDIDATE : ModelStatus.REJECTED,
        decision.stored(), decision.reason(), artifacts, null));
    if (decision.promote()) {
      return Optional.of(registry.promote(registered.version(),
          champion.map(c -> OptionalLong.of(c.version())).orElse(OptionalLong.empty())));
    }
    return Optional.of(registered);
  }

  /** The examples since the champion's window plus a replay sample of the older ones, or all with --full. */
  static Dataset<Row> select(Dataset<Row> examples, Optional<ModelVersion> champion, TrainConfig config) {
    if (config.full() || champion.isEmpty() || champion.get().trainTo() == null) {
      return examples;
    }
    Column end = lit(Timestamp.from(champion.get().trainTo()));
    return examples.where(col("event_time").gt(end))
        .unionByName(examples.where(col("event_time").leq(end)).sample(config.replayRatio(), 17));
  }

  /** Label as 0/1 double, event time as epoch seconds {@code t}, nulls as 0, and the feature vector. */
  static Dataset<Row> prepare(Dataset<Row> examples, String label) {
    List<Column> columns = new ArrayList<>(List.of(col("request_id"), col("item_id"),
        col("event_time").cast("double").as("t"), col(label).cast("double").as("label")));
    for (String feature : featureColumns()) {
      columns.add(col(feature).cast("double").as(feature));
    }
    Dataset<Row> typed = examples.where(col(label).isNotNull()).select(columns.toArray(Column[]::new))
        .na().fill(0.0, featureColumns().toArray(String[]::new));
    // Dense vectors: XGBoost treats a sparse vector's absent entries as missing, MLlib as 0; dense keeps both at 0.
    return new VectorAssembler().setInputCols(featureColumns().toArray(String[]::new)).setOutputCol("sparse_features")
        .transform(typed)
        .withColumn("features", functions.array_to_vector(functions.vector_to_array(col("sparse_features"), "float64")))
        .drop("sparse_features");
  }

  private static XGBoostClassifier xgboost(TrainConfig config) {
    XGBoostClassifier xgb = new XGBoostClassifier();
    xgb.setNumRound(config.rounds());
    xgb.setMaxDepth(config.maxDepth());
    xgb.setEta(0.3);
    xgb.setTreeMethod("hist");
    xgb.setObjective("binary:logistic");
    xgb.setNumWorkers(1);
    xgb.setSeed(7);
    if (config.gpu()) {
      xgb.setDevice("cuda");
    }
    xgb.setLabelCol("label");
    xgb.setFeaturesCol("features");
    xgb.setProbabilityCol("xgb_probability");
    xgb.setRawPredictionCol("xgb_raw");
    xgb.setPredictionCol("xgb_prediction");
    return xgb;
  }

  /**
   * The one place that calls MLlib's {@code setInitialModel}: Scala-private but public in bytecode,
   * not a supported API, so an MLlib upgrade that changes it breaks only here.
   */
  static void warmStart(LogisticRegression lr, LogisticRegressionModel initial) {
    lr.setInitialModel(initial);
  }

  /** Adds p_lr, p_xgboost and the stack's input vector of their logits. */
  private static Dataset<Row> baseScores(Dataset<Row> rows, LogisticRegressionModel lr, XGBoostClassificationModel xgb) {
    Dataset<Row> withLr = lr.transform(rows)
        .withColumn("p_lr", functions.vector_to_array(col("lr_probability"), "float64").getItem(1))
        .drop("lr_probability", "lr_raw", "lr_prediction");
    Dataset<Row> withXgb = xgb.transform(withLr)
        .withColumn("p_xgboost", functions.vector_to_array(col("xgb_probability"), "float64").getItem(1))
        .drop("xgb_probability", "xgb_raw", "xgb_prediction");
    return new VectorAssembler().setInputCols(new String[] {"logit_lr", "logit_xgboost"}).setOutputCol("stack_features")
        .transform(withXgb.withColumn("logit_lr", logit(col("p_lr"))).withColumn("logit_xgboost", logit(col("p_xgboost"))));
  }

  /** Adds p_lr, p_xgboost, p_average and p_stack. */
  static Dataset<Row> score(Dataset<Row> rows, LogisticRegressionModel lr, XGBoostClassificationModel xgb,
      LogisticRegressionModel stack) {
    return stack.transform(baseScores(rows, lr, xgb))
        .withColumn("p_stack", functions.vector_to_array(col("stack_probability"), "float64").getItem(1))
        .withColumn("p_average", col("p_lr").plus(col("p_xgboost")).divide(2))
        .drop("stack_probability", "stack_raw", "stack_prediction");
  }

  private static Column logit(Column p) {
    Column clipped = least(greatest(p, lit(1e-7)), lit(1 - 1e-7));
    return log(clipped.divide(lit(1).minus(clipped)));
  }

  private static String path(ModelVersion version, String model) {
    return version.artifactLocation() + "/spark/" + model;
  }

  private static void save(org.apache.spark.ml.util.MLWritable model, String artifacts, String name) {
    try {
      model.write().overwrite().save(artifacts + "/spark/" + name);
    } catch (IOException e) {
      throw new LakehouseException("Cannot save the " + name + " model under " + artifacts + ": " + e.getMessage(), e);
    }
  }

  private static String codeVersion() {
    String version = Trainer.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  private static Instant instant(Object value) {
    return value instanceof Timestamp t ? t.toInstant() : (Instant) value;
  }
}
