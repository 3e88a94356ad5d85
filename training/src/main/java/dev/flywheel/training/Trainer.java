package dev.flywheel.training;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.exp;
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
import java.util.TreeMap;
import java.util.UUID;
import ml.dmlc.xgboost4j.java.Booster;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Trains a candidate on training examples, evaluates it against the champion on the same holdout,
 * exports its serving bundle and registers it, in that order: a run that fails before the end leaves
 * the registry unchanged (an orphan artifact folder at most). Split by time (train, then validation,
 * then holdout), never at random, so the holdout is the future of everything a model saw. The learners
 * see the features normalized with one gold.feature_stats version ({@link Normalization}), the same
 * numbers the bundle carries to the server. Base learners: elastic-net logistic regression, XGBoost
 * (trained in the driver, see {@link Xgboost}), a factorization machine that adds the hashed user and
 * item ids ({@link Fm}) and XGBoost's pairwise ranker over the requests' items; the candidate's score is a
 * logistic-regression stack over their logits fitted on the validation slice; LR, XGBoost and the ranker are
 * then refitted on the train and validation slices together, so the served models know the freshest examples
 * before the holdout. All four continue the champion's models in an incremental run (XGBoost, the ranker
 * and FM start cold with --full, so the tree count does not grow without end and FM's ids are indexed on all
 * history); FM learns from the train slice only.
 * The champion's models and normalization are the ones it was trained with, so a new stats version
 * shifts the warm-started models' inputs slightly; the new rounds and iterations correct for it.
 */
public final class Trainer {
  /** The models a version stores, under its artifact folder. */
  static final String LR = "lr";
  static final String XGBOOST = "xgboost";
  static final String FM = "fm";
  static final String RANKER = "ranker";
  static final String STACK = "stack";
  /** The phase that refits LR and XGBoost on the train and validation slices, under the stack's weights. */
  private static final String REFIT = "refit_on_validation";
  /**
   * LR's iterations from zero, and from a model to continue (the champion's, or its own fit in the refit):
   * each OWL-QN iteration is a Spark job or more whatever the window's size (the two fits of a cold run on
   * the simulator bench's days took 340 of them), and a fit that starts near its optimum needs fewer.
   */
  private static final int LR_MAX_ITER = 100;
  private static final int LR_CONTINUED_MAX_ITER = 30;

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
   * A trained and gated candidate, not yet exported or registered.
   *
   * @param learners its models
   * @param metrics holdout metrics: the stack's unprefixed, each learner's and the champion's prefixed
   * @param warmStart per base learner, whether it continued the champion's model
   * @param decision the gate's
   * @param trainFrom earliest example time
   * @param trainTo latest example time
   * @param seconds wall-clock seconds per phase of the fit, in order (the model card's {@code phase_seconds})
   */
  record Candidate(Learners learners, Map<String, Double> metrics, Map<String, Boolean> warmStart,
      Gate.Decision decision, Instant trainFrom, Instant trainTo, Map<String, Double> seconds) {}

  /** Wall-clock seconds per phase of a run, in order: where a run's time goes, for its model card. */
  private static final class Phases {
    private final Map<String, Double> seconds = new LinkedHashMap<>();
    private long last = System.nanoTime();

    /** Ends phase {@code name} (started when the previous one ended). */
    void end(String name) {
      long now = System.nanoTime();
      seconds.merge(name, (now - last) / 1e9, Double::sum);
      last = now;
    }
  }

  /**
   * Trains, gates, exports and registers one version; empty when an incremental run finds no example
   * after the champion's training window.
   */
  public static Optional<ModelVersion> train(TrainingInputs inputs, ModelRegistry registry, TrainConfig config) {
    Optional<ModelVersion> champion = registry.champion();
    Optional<Candidate> fitted = fit(inputs, champion, config);
    if (fitted.isEmpty()) {
      return Optional.empty();
    }
    Candidate candidate = fitted.get();
    Phases phases = new Phases();
    Map<String, String> params = new LinkedHashMap<>(config.asParams());
    params.put("stats_version", String.valueOf(inputs.statsVersion()));
    String artifacts = config.models().resolve("run-" + UUID.randomUUID()).toString();
    save(candidate.learners().base().lr(), artifacts, LR);
    candidate.learners().base().fm().ifPresent(fm -> save(fm, artifacts, FM));
    save(candidate.learners().stack(), artifacts, STACK);
    phases.end("save_spark_models");
    Gate.Decision decision = candidate.decision();
    ModelVersion unregistered = new ModelVersion(0, champion.map(ModelVersion::version).orElse(null),
        Instant.now(), codeVersion(), config.label(), candidate.trainFrom(), candidate.trainTo(),
        inputs.inputVersions(), params, candidate.metrics(), candidate.warmStart(),
        decision.promote() ? ModelStatus.CANDIDATE : ModelStatus.REJECTED, decision.stored(), decision.reason(),
        artifacts, null);
    Map<String, Double> seconds = new LinkedHashMap<>(candidate.seconds());
    seconds.putAll(phases.seconds);
    Bundles.write(Bundles.of(artifacts), config.label(), inputs.normalization(), inputs.featureConfig(),
        candidate.learners(), card(unregistered, inputs, seconds));
    ModelVersion registered = registry.newVersion(unregistered);
    if (decision.promote()) {
      return Optional.of(registry.promote(registered.version(),
          champion.map(c -> OptionalLong.of(c.version())).orElse(OptionalLong.empty())));
    }
    return Optional.of(registered);
  }

  /**
   * Trains and gates a candidate against {@code champion} (warm-starting from it), with no side effect
   * but Spark's caches: the part of {@link #train} a reproduction repeats. Empty when an incremental run
   * finds no example after the champion's training window.
   */
  static Optional<Candidate> fit(TrainingInputs inputs, Optional<ModelVersion> champion, TrainConfig config) {
    Phases phases = new Phases();
    Dataset<Row> selected = select(inputs.examples(), champion, config);
    Row window = selected.agg(min("event_time"), max("event_time")).first();
    if (window.isNullAt(0)) {
      return Optional.empty();
    }
    Normalization normalization = inputs.normalization();
    Dataset<Row> labelled = labelled(selected, config.label()).cache();
    Fm.requireBuckets(labelled, inputs.featureConfig().hashBuckets());
    double[] cuts = splitTimes(labelled, config);
    Dataset<Row> train = vectorize(labelled.where(col("t").lt(cuts[0])), normalization);
    Dataset<Row> validation = vectorize(labelled.where(col("t").geq(cuts[0]).and(col("t").lt(cuts[1]))),
        normalization);
    Dataset<Row> seen = vectorize(labelled.where(col("t").lt(cuts[1])), normalization);
    Dataset<Row> holdout = labelled.where(col("t").geq(cuts[1]));
    phases.end("select_and_split");

    Map<String, Boolean> warmStart = new LinkedHashMap<>();
    LogisticRegression lr = new LogisticRegression().setElasticNetParam(0.5).setRegParam(0.001).setMaxIter(LR_MAX_ITER)
        .setProbabilityCol("lr_probability").setRawPredictionCol("lr_raw").setPredictionCol("lr_prediction");
    // The champion decides the window (above) and is the gate's yardstick (below); with --cold-start no learner
    // continues it, so a cold and a warm run on the same window show what warm start buys.
    Optional<ModelVersion> continued = champion.filter(c -> !config.coldStart());
    Optional<LogisticRegressionModel> championLr = continued.map(c -> LogisticRegressionModel.load(
        sparkPath(c.artifactLocation(), LR)));
    championLr.ifPresent(model -> warmStart(lr, model));
    warmStart.put(LR, championLr.isPresent());
    LogisticRegressionModel lrModel = lr.fit(train);
    phases.end(LR);
    Optional<ModelVersion> boostedFrom = continued.filter(c -> !config.full());
    warmStart.put(XGBOOST, boostedFrom.isPresent());
    Booster booster = Xgboost.fit(train, config, championBooster(boostedFrom));
    phases.end(XGBOOST);
    Optional<PipelineModel> continuedFm = boostedFrom.flatMap(c -> Bundles.fm(c.artifactLocation()))
        .filter(model -> Fm.canContinue(model, Fm.Settings.DEFAULT));
    warmStart.put(FM, continuedFm.isPresent());
    Optional<PipelineModel> fm = Optional.of(Fm.fit(train, Fm.Settings.DEFAULT, continuedFm));
    phases.end(FM);
    Optional<Booster> championRanker = championRanker(boostedFrom);
    warmStart.put(RANKER, championRanker.isPresent());
    Booster ranker = Xgboost.fitRanker(train, config, championRanker);
    phases.end(RANKER);
    BaseLearners fitted = new BaseLearners(lrModel, booster, fm, Optional.of(ranker));
    LogisticRegressionModel stack = new LogisticRegression().setFeaturesCol("stack_features").setRegParam(0)
        .setProbabilityCol("stack_probability").setRawPredictionCol("stack_raw").setPredictionCol("stack_prediction")
        .fit(baseScores(validation, fitted));
    phases.end(STACK);
    Learners learners = new Learners(fitted, stack);
    // The stack's weights come from predictions on the validation slice; the models that serve then
    // learn from that slice too, the freshest examples before the holdout. LR continues its own fit,
    // XGBoost and the ranker repeat their fits on the longer window; FM keeps its fit on the train slice:
    // its steps are the run's largest phase, and the stack weighs it least.
    if (config.refit()) {
      warmStart(lr, lrModel);
      LogisticRegressionModel servingLr = lr.fit(seen);
      Booster servingBooster = Xgboost.fit(seen, config, championBooster(boostedFrom));
      booster.dispose();
      Booster servingRanker = Xgboost.fitRanker(seen, config, championRanker(boostedFrom));
      ranker.dispose();
      learners = new Learners(new BaseLearners(servingLr, servingBooster, fm, Optional.of(servingRanker)), stack);
      phases.end(REFIT);
    }

    Dataset<Row> scored = score(vectorize(holdout, normalization), learners).cache();
    Map<String, Double> metrics = new LinkedHashMap<>();
    Map<String, Double> candidate = Metrics.of(scored, "p_stack");
    metrics.putAll(candidate);
    candidate.forEach((k, v) -> metrics.put(STACK + "." + k, v));
    List<String> evaluated = new ArrayList<>(learners.base().names());
    evaluated.add("average");
    for (String learner : evaluated) {
      Metrics.of(scored, "p_" + learner).forEach((k, v) -> metrics.put(learner + "." + k, v));
    }
    // The baseline any model must beat: rank by the item's impressions so far (its popularity).
    metrics.put("popularity.auc", Metrics.auc(holdout.withColumn("p_popularity",
        coalesce(col("i_impressions"), lit(0.0))), "p_popularity"));
    phases.end("evaluate");
    Optional<Map<String, Double>> championMetrics = champion.map(c -> Metrics.of(scoreWith(holdout, c), "p_stack"));
    championMetrics.ifPresent(m -> m.forEach((k, v) -> metrics.put("champion." + k, v)));
    phases.end("evaluate_champion");
    Gate.Decision decision = Gate.decide(candidate, championMetrics, config.aucEpsilon(), config.logLossDelta());
    labelled.unpersist();
    scored.unpersist();
    return Optional.of(new Candidate(learners, metrics, warmStart, decision, instant(window.get(0)),
        instant(window.get(1)), phases.seconds));
  }

  /**
   * Adds p_lr, p_xgboost, p_fm and p_ranker (when the version has them), p_average and p_stack of a registered
   * version to labelled {@code examples}
   * (rows without the version's label are dropped), normalized as that version was: what its bundle
   * computes from the same raw features.
   */
  public static Dataset<Row> score(Dataset<Row> examples, ModelVersion version) {
    return scoreWith(labelled(examples, version.label()), version);
  }

  private static Dataset<Row> scoreWith(Dataset<Row> labelled, ModelVersion version) {
    Normalization normalization = Bundles.normalization(Bundles.of(version.artifactLocation()));
    return score(vectorize(labelled, normalization), Bundles.learners(version.artifactLocation()));
  }

  /** What the bundle's model card says: the registry row's lineage, inputs, metrics and warm start. */
  private static Map<String, Object> card(ModelVersion v, TrainingInputs inputs, Map<String, Double> seconds) {
    Map<String, Object> card = new LinkedHashMap<>();
    card.put("parent_version", v.parentVersion());
    card.put("created_at", String.valueOf(v.createdAt()));
    card.put("code_version", v.codeVersion());
    card.put("label", v.label());
    card.put("train_from", String.valueOf(v.trainFrom()));
    card.put("train_to", String.valueOf(v.trainTo()));
    card.put("input_versions", new TreeMap<>(v.inputVersions()));
    card.put("stats_version", inputs.statsVersion());
    card.put("params", new TreeMap<>(v.params()));
    card.put("metrics", new TreeMap<>(v.metrics()));
    card.put("warm_start", new TreeMap<>(v.warmStart()));
    card.put("warm_start_notes", Map.of(FM, Fm.WARM_START_NOTE));
    card.put("fm_settings", Fm.Settings.DEFAULT.asCard());
    card.put("lr_settings", Map.of("max_iter", LR_MAX_ITER, "continued_max_iter", LR_CONTINUED_MAX_ITER));
    card.put("ranker_settings", new TreeMap<>(Xgboost.RANKER_SETTINGS.asParams()));
    card.put("gate", Map.of("decision", v.gateDecision(), "reason", v.gateReason()));
    card.put("artifact_location", v.artifactLocation());
    // Up to the bundle export; the bundle write, the registry and the ledger come after.
    card.put("phase_seconds", seconds);
    return card;
  }

  /**
   * The examples since the champion's window plus a replay sample of the older ones, or all with --full;
   * only those before the configured bound, if any.
   */
  static Dataset<Row> select(Dataset<Row> examples, Optional<ModelVersion> champion, TrainConfig config) {
    Dataset<Row> existing = config.until()
        .map(bound -> examples.where(col("event_time").lt(lit(Timestamp.from(bound))))).orElse(examples);
    if (config.full() || champion.isEmpty() || champion.get().trainTo() == null) {
      return existing;
    }
    Column end = lit(Timestamp.from(champion.get().trainTo()));
    return existing.where(col("event_time").gt(end))
        .unionByName(existing.where(col("event_time").leq(end)).sample(config.replayRatio(), 17));
  }

  /** Where the validation slice and the holdout of {@code labelled} rows begin, as epoch seconds {@code t}. */
  private static double[] splitTimes(Dataset<Row> labelled, TrainConfig config) {
    return labelled.stat().approxQuantile("t",
        new double[] {1 - config.validationFraction() - config.holdoutFraction(), 1 - config.holdoutFraction()}, 0);
  }

  /**
   * The holdout a {@code --full} run of {@code config} evaluates on {@code examples}: the labelled examples of its
   * latest {@code holdoutFraction}, as the rows of {@code examples}, for scoring a registered version again.
   */
  public static Dataset<Row> fullRunHoldout(Dataset<Row> examples, TrainConfig config) {
    Dataset<Row> selected = select(examples, Optional.empty(), config.with(config.label(), true));
    double holdoutFrom = splitTimes(labelled(selected, config.label()), config)[1];
    return selected.where(col(config.label()).isNotNull().and(col("event_time").cast("double").geq(holdoutFrom)));
  }

  /**
   * Label as 0/1 double, event time as epoch seconds {@code t}, the ids and their hash buckets, and the
   * raw feature columns as doubles.
   */
  static Dataset<Row> labelled(Dataset<Row> examples, String label) {
    List<Column> columns = new ArrayList<>(List.of(col("request_id"), col("user_id"), col("item_id"),
        col("user_bucket"), col("item_bucket"),
        col("event_time").cast("double").as("t"), col(label).cast("double").as("label")));
    for (String feature : featureColumns()) {
      columns.add(col(feature).cast("double").as(feature));
    }
    return examples.where(col(label).isNotNull()).select(columns.toArray(Column[]::new));
  }

  /**
   * Adds the dense vector {@code features} of the normalized feature columns. Dense: XGBoost treats a
   * sparse vector's absent entries as missing, MLlib as 0, and the server passes every value.
   */
  static Dataset<Row> vectorize(Dataset<Row> labelled, Normalization normalization) {
    Column[] normalized = featureColumns().stream().map(normalization::column).toArray(Column[]::new);
    return labelled.withColumn("features", functions.array_to_vector(array(normalized)));
  }

  /**
   * Makes {@code lr} continue {@code initial}, in {@link #LR_CONTINUED_MAX_ITER} iterations. The one place
   * that calls MLlib's {@code setInitialModel}: Scala-private but public in bytecode, not a supported API,
   * so an MLlib upgrade that changes it breaks only here.
   */
  static void warmStart(LogisticRegression lr, LogisticRegressionModel initial) {
    lr.setInitialModel(initial);
    lr.setMaxIter(LR_CONTINUED_MAX_ITER);
  }

  /** A fresh copy of {@code champion}'s booster to continue: boosting changes its initial booster in place. */
  private static Optional<Booster> championBooster(Optional<ModelVersion> champion) {
    return champion.map(c -> Bundles.booster(Bundles.of(c.artifactLocation())));
  }

  /** A fresh copy of {@code champion}'s ranker to continue, if it has one. */
  private static Optional<Booster> championRanker(Optional<ModelVersion> champion) {
    return champion.flatMap(c -> Bundles.ranker(Bundles.of(c.artifactLocation())));
  }

  /** Adds p_&lt;learner&gt; and logit_&lt;learner&gt; of each base learner and the stack's input vector of the logits. */
  private static Dataset<Row> baseScores(Dataset<Row> rows, BaseLearners base) {
    Dataset<Row> withLr = base.lr().transform(rows)
        .withColumn("p_lr", functions.vector_to_array(col("lr_probability"), "float64").getItem(1))
        .drop("lr_probability", "lr_raw", "lr_prediction");
    Dataset<Row> scored = Xgboost.sparkModel(base.xgboost()).transform(withLr)
        .withColumn("p_xgboost", functions.vector_to_array(col("xgb_probability"), "float64").getItem(1))
        .drop("xgb_probability", "xgb_raw", "xgb_prediction");
    if (base.fm().isPresent()) {
      scored = Fm.score(base.fm().get(), scored);
    }
    if (base.ranker().isPresent()) {
      // The ranker's raw margin is its score; as a probability, the stack's logit of it is the margin itself.
      Column margin = functions.vector_to_array(col("rank_raw"), "float64").getItem(1);
      scored = Xgboost.sparkModel(base.ranker().get(), "rank").transform(scored)
          .withColumn("p_" + RANKER, lit(1).divide(lit(1).plus(exp(margin.multiply(-1)))))
          .drop("rank_probability", "rank_raw", "rank_prediction");
    }
    for (String learner : base.names()) {
      scored = scored.withColumn("logit_" + learner, logit(col("p_" + learner)));
    }
    return new VectorAssembler().setInputCols(base.stackInputs().toArray(String[]::new))
        .setOutputCol("stack_features").transform(scored);
  }

  /**
   * Adds each base learner's p_&lt;learner&gt;, p_stack and p_average (the plain mean of the base learners'
   * probabilities, the baseline the stack must beat) to vectorized rows.
   */
  static Dataset<Row> score(Dataset<Row> rows, Learners learners) {
    List<String> names = learners.base().probabilityNames();
    Column sum = names.stream().map(learner -> col("p_" + learner)).reduce(Column::plus).orElseThrow();
    return learners.stack().transform(baseScores(rows, learners.base()))
        .withColumn("p_stack", functions.vector_to_array(col("stack_probability"), "float64").getItem(1))
        .withColumn("p_average", sum.divide(names.size()))
        .drop("stack_probability", "stack_raw", "stack_prediction");
  }

  private static Column logit(Column p) {
    Column clipped = least(greatest(p, lit(1e-7)), lit(1 - 1e-7));
    return log(clipped.divide(lit(1).minus(clipped)));
  }

  /** Where a version's Spark model {@code model} (lr, fm or stack) is saved. */
  static String sparkPath(String artifactLocation, String model) {
    return artifactLocation + "/spark/" + model;
  }

  private static void save(org.apache.spark.ml.util.MLWritable model, String artifacts, String name) {
    try {
      model.write().overwrite().save(sparkPath(artifacts, name));
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
