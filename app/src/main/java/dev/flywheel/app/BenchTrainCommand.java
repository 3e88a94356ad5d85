package dev.flywheel.app;

import dev.flywheel.features.FeatureConfig;
import dev.flywheel.features.FeatureTables;
import dev.flywheel.features.FeaturesJob;
import dev.flywheel.lakehouse.FlywheelHome;
import dev.flywheel.lakehouse.LakehouseException;
import dev.flywheel.lakehouse.ReadMode;
import dev.flywheel.lakehouse.Tables;
import dev.flywheel.pipelines.ingest.Backfill;
import dev.flywheel.pipelines.ingest.BronzeWrites;
import dev.flywheel.pipelines.ingest.MovieLensImport;
import dev.flywheel.training.ModelVersion;
import dev.flywheel.training.TrainConfig;
import dev.flywheel.training.TrainJob;
import dev.flywheel.training.Trainer;
import dev.flywheel.training.XgboostSettings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code flywheel bench train}: offline quality of every learner on real or simulated data, time-forward. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Offline quality of the learners, time-forward: land MovieLens ratings (or contract events),"
        + " run the features job, train with --full, and report AUC and log loss of LR, XGBoost, their average,"
        + " the stack and the popularity baseline on the latest 10%% (MODEL-QUALITY's protocol); or, with --simulator,"
        + " static vs incremental vs full retraining after a drift. On a scratch catalog $FLYWHEEL_HOME/bench-train,"
        + " emptied first.")
final class BenchTrainCommand implements Runnable {
  @ParentCommand
  BenchCommand parent;

  @Spec
  CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  /** Where the events come from: exactly one. */
  static final class Source {
    @Option(names = "--movielens", paramLabel = "DIR", description = "A MovieLens folder with ratings.csv.")
    Path movielens;

    @Option(names = "--events", paramLabel = "PATH",
        description = "Contract events as JSON Lines, e.g. the output of `flywheel simulate --output`.")
    String events;

    @Option(names = "--simulator", description = "Retraining after a drift on simulated traffic: a static model"
        + " trained before the drift, an incremental and a full retrain after it, all scored on the last day.")
    boolean simulator;
  }

  @Option(names = "--requests", defaultValue = "16000",
      description = "With --simulator: ranking requests, about 12 events each (default: ${DEFAULT-VALUE}).")
  long requests;

  @Option(names = "--users", defaultValue = "" + DriftRetrainBench.Config.DEFAULT_USERS,
      description = "With --simulator: users of the simulated world; the same requests among fewer users give each"
          + " more history, so personal taste becomes learnable (default: ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--days", defaultValue = "12",
      description = "With --simulator: days of traffic; the drift starts the second-to-last (default: ${DEFAULT-VALUE}:"
          + " an incremental window of a day and its replay against a full history of eleven).")
  int days;

  @Option(names = "--seed", defaultValue = "7", description = "With --simulator: the seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--label", paramLabel = "clicked|positive",
      description = "Label (default: clicked; with --movielens a click is exactly the protocol's rating >= 4, while"
          + " positive counts the import's rounded-up 3.5 ratings as 4).")
  String label;

  @Option(names = "--half-lives", paramLabel = "D,D,D", split = ",", description = "With --movielens or --events:"
      + " the features job's short, mid and long half-lives, as `features --half-lives` (default: the features job's).")
  List<Duration> halfLives;

  /** With --movielens or --events: XGBoost's settings, as train's. */
  @Mixin
  XgboostOptions xgboost;

  @Option(names = "--no-refit", description = "With --movielens or --events: serve the models the stack was fitted"
      + " on, as `train --no-refit` (default: refit LR and XGBoost on the validation slice too).")
  boolean noRefit;

  @Option(names = "--reuse-catalog", description = "With --movielens or --events: train again on the scratch catalog a"
      + " previous run landed and featurized (its registry and models emptied first) instead of rebuilding it; for"
      + " trying training settings without re-running landing and features (--half-lives then has no effect).")
  boolean reuseCatalog;

  @Option(names = "--output", paramLabel = "FILE",
      description = "JSON result (default: $FLYWHEEL_HOME/reports/bench-train.json).")
  Path output;

  /**
   * The MODEL-QUALITY protocol's holdout, so the figures sit beside the yardstick's: the latest 10 % of
   * the examples; the stack's validation slice is the same share just before it.
   */
  static final double HOLDOUT_FRACTION = 0.10;

  @Override
  public void run() {
    if (source.simulator) {
      runOnSimulator();
      return;
    }
    if (source.movielens != null && !Files.isRegularFile(source.movielens.resolve("ratings.csv"))) {
      throw new ParameterException(spec.commandLine(), "No ratings.csv in " + source.movielens);
    }
    String chosenLabel = label != null ? label : "clicked";
    FlywheelHome benchHome = scratchHome();
    TrainConfig config = Arguments.valid(spec, () -> {
      TrainConfig defaults = TrainConfig.defaults(benchHome.models());
      return defaults.with(chosenLabel, true).withSplit(HOLDOUT_FRACTION, HOLDOUT_FRACTION).withXgboost(xgboost.settings())
          .withRefit(!noRefit);
    });
    FeatureConfig featureConfig = Arguments.valid(spec, () -> halfLives != null
        ? FeatureConfig.defaults().withHalfLives(halfLives) : FeatureConfig.defaults());
    long started = System.nanoTime();
    SparkSession spark;
    long events;
    long examples;
    long landedAt;
    if (reuseCatalog) {
      if (!Files.isDirectory(benchHome.warehouse())) {
        throw new ParameterException(spec.commandLine(), "No scratch catalog to reuse at " + benchHome.root()
            + ": run bench train without --reuse-catalog first");
      }
      spark = BenchCommand.reusedCatalog(benchHome, parent.flywheel.sparkConf);
      events = spark.table(Tables.FEEDBACK_EVENTS.qualifiedName()).count();
      examples = spark.table(Tables.TRAINING_EXAMPLES.qualifiedName()).count();
      landedAt = System.nanoTime();
    } else {
      spark = scratchCatalog(benchHome);
      BronzeWrites.Landed landed = source.movielens != null ? MovieLensImport.run(spark, source.movielens)
          : Backfill.run(spark, new Backfill.Config(source.events));
      events = landed.validEvents();
      landedAt = System.nanoTime();
      examples = FeaturesJob.run(spark, FeatureTables.standard(), featureConfig, ReadMode.FULL).examples();
    }
    long featuresAt = System.nanoTime();
    if (examples == 0) {
      throw new LakehouseException("The features job made no training example from " + events + " events: no"
          + " impression is a settle delay (purchase window + allowed lateness) older than the latest event; nothing"
          + " to train on");
    }
    ModelVersion version = TrainJob.run(spark, config).version().orElseThrow();
    long trainedAt = System.nanoTime();

    Map<String, Object> json = new LinkedHashMap<>();
    json.put("benchmark", "train");
    json.put("at", Instant.now().toString());
    json.put("input", source.movielens != null ? source.movielens.toString() : source.events);
    json.put("label", chosenLabel);
    json.put("catalog", reuseCatalog ? "reused" : "built");
    json.put("half_lives", reuseCatalog ? "as the reused catalog's features run" : featureConfig.halfLives().toString());
    json.put("xgboost", describe(config.xgboost()));
    json.put("refit", config.refit());
    json.put("events", events);
    json.put("training_examples", examples);
    json.put("split", "by time: train, then validation " + config.validationFraction() + ", then holdout "
        + config.holdoutFraction());
    json.put("train_window", Map.of("from", String.valueOf(version.trainFrom()), "to",
        String.valueOf(version.trainTo())));
    Map<String, Object> holdout = new LinkedHashMap<>();
    for (String learner : List.of("lr", "xgboost", "fm", "ranker", "average", "stack")) {
      if (version.metrics().containsKey(learner + ".auc")) {
        holdout.put(learner, Map.of("auc", version.metrics().get(learner + ".auc"),
            "log_loss", version.metrics().get(learner + ".log_loss")));
      }
    }
    holdout.put("popularity", Map.of("auc", version.metrics().get("popularity.auc")));
    json.put("holdout", holdout);
    Dataset<Row> scoredHoldout = Trainer.score(Trainer.fullRunHoldout(
        spark.table(Tables.TRAINING_EXAMPLES.qualifiedName()), config), version);
    Map<String, Object> stackGain = StackingGain.of(scoredHoldout, learner -> version.metrics().get(learner + ".auc"));
    json.put("stack_gain", stackGain);
    json.put("land_seconds", (landedAt - started) / 1e9);
    json.put("features_seconds", (featuresAt - landedAt) / 1e9);
    json.put("train_seconds", (trainedAt - featuresAt) / 1e9);
    PrintWriter out = spec.commandLine().getOut();
    out.println(String.format(Locale.ROOT, "%d events, %d examples; holdout AUC: stack %.4f, LR %.4f, XGBoost %.4f,"
            + " FM %.4f, ranker %.4f, average %.4f, popularity %.4f; log loss: stack %.4f", events, examples,
        version.metrics().get("stack.auc"), version.metrics().get("lr.auc"), version.metrics().get("xgboost.auc"),
        version.metrics().get("fm.auc"), version.metrics().getOrDefault("ranker.auc", Double.NaN),
        version.metrics().get("average.auc"), version.metrics().get("popularity.auc"),
        version.metrics().get("stack.log_loss")));
    out.println("stack's AUC gain: " + StackingGain.describe(stackGain));
    BenchCommand.write(json, output(), out);
  }

  private void runOnSimulator() {
    DriftRetrainBench.Config config = Arguments.valid(spec,
        () -> new DriftRetrainBench.Config(requests, users, days, seed, xgboost.settings()));
    FlywheelHome benchHome = scratchHome();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("benchmark", "train");
    json.put("at", Instant.now().toString());
    json.putAll(DriftRetrainBench.run(scratchCatalog(benchHome), benchHome, config));
    json.put("xgboost", describe(config.xgboost()));
    PrintWriter out = spec.commandLine().getOut();
    out.println("last day (after the drift), stack AUC: " + stackAuc(json, "static") + " static, "
        + stackAuc(json, "incremental") + " incremental, " + stackAuc(json, "incremental_cold")
        + " incremental started cold, " + stackAuc(json, "full") + " full; train seconds "
        + json.get("train_seconds"));
    out.println(truthAuc(json));
    BenchCommand.write(json, output(), out);
  }

  @SuppressWarnings("unchecked")
  private static String truthAuc(Map<String, Object> json) {
    Map<String, Map<String, Double>> truth = (Map<String, Map<String, Double>>) json.get("truth_on_last_day");
    return String.format(Locale.ROOT, "the hidden truth on the last day, AUC: %.4f (the ceiling), %.4f without"
            + " personal taste (each item's appeal), %.4f from the position alone",
        truth.get(TruthCeiling.ORACLE).get("auc"), truth.get(TruthCeiling.WITHOUT_PERSONAL_TASTE).get("auc"),
        truth.get(TruthCeiling.EXAMINATION).get("auc"));
  }

  @SuppressWarnings("unchecked")
  private static String stackAuc(Map<String, Object> json, String model) {
    Map<String, Object> scores = (Map<String, Object>) ((Map<String, Object>) json.get("last_day")).get(model);
    return String.format(Locale.ROOT, "%.4f (%s)", ((Map<String, Double>) scores.get("stack")).get("auc"),
        StackingGain.describe((Map<String, Object>) scores.get("stack_gain")));
  }

  /** XGBoost's settings as the JSON result records them. */
  private static Map<String, Object> describe(XgboostSettings trees) {
    return Map.of("rounds", trees.rounds(), "max_depth", trees.maxDepth(), "eta", trees.eta(),
        "min_child_weight", trees.minChildWeight(), "subsample", trees.subsample());
  }

  private FlywheelHome scratchHome() {
    return new FlywheelHome(parent.flywheel.home().root().resolve("bench-train"));
  }

  private SparkSession scratchCatalog(FlywheelHome benchHome) {
    return BenchCommand.scratchCatalog(benchHome, parent.flywheel.sparkConf);
  }

  private Path output() {
    return output != null ? output : parent.flywheel.home().reports().resolve("bench-train.json");
  }
}
