package dev.flywheel.app;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.features.FeatureConfig;
import dev.flywheel.features.FeatureTables;
import dev.flywheel.features.FeaturesJob;
import dev.flywheel.features.FeaturesResult;
import dev.flywheel.lakehouse.FlywheelHome;
import dev.flywheel.lakehouse.LakehouseException;
import dev.flywheel.lakehouse.ReadMode;
import dev.flywheel.lakehouse.Tables;
import dev.flywheel.pipelines.ingest.Backfill;
import dev.flywheel.pipelines.ingest.BronzeWrites;
import dev.flywheel.pipelines.simulate.EventSink;
import dev.flywheel.pipelines.simulate.EventSinks;
import dev.flywheel.pipelines.simulate.SimulationConfig;
import dev.flywheel.pipelines.simulate.TrafficSimulator;
import dev.flywheel.training.Metrics;
import dev.flywheel.training.ModelRegistry;
import dev.flywheel.training.ModelVersion;
import dev.flywheel.training.TrainConfig;
import dev.flywheel.training.TrainJob;
import dev.flywheel.training.Trainer;
import dev.flywheel.training.XgboostSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The simulator half of {@code bench train}: retraining after a preference drift. Simulated days of
 * randomly ranked traffic (so the logged clicks are unbiased) with a drift at the start of the
 * second-to-last day, and the settle delay of traffic after them, are landed and featurized once. Then, with the last day held out from every run
 * ({@link TrainConfig#before}):
 * <ol>
 *   <li>the static model: {@code --full} on the days before the drift, promoted;
 *   <li>the incremental retrain cold: the drift day plus the replay sample, every learner from nothing;
 *   <li>the incremental retrain: the same window, warm-started from the static model;
 *   <li>the full retrain: every day before the last, cold.
 * </ol>
 * All four are scored on the last day, the future of everything any of them saw.
 */
final class DriftRetrainBench {
  /**
   * What to simulate.
   *
   * @param requests ranking requests over the whole span, about 12 events each
   * @param users users of the simulated world: with fewer, each has more history to learn a taste from
   * @param days days of traffic, at least 3 (before the drift, the drift day, the evaluation day)
   * @param seed the simulation's seed
   * @param xgboost XGBoost's settings for all three runs
   */
  record Config(long requests, int users, int days, long seed, XgboostSettings xgboost) {
    /** The world's users unless told otherwise, as measured since the benchmark's first figures. */
    static final int DEFAULT_USERS = 500;

    Config {
      if (requests < 1000) {
        throw new IllegalArgumentException("--requests must be at least 1000 for a meaningful AUC, got " + requests);
      }
      if (users < 1) {
        throw new IllegalArgumentException("--users must be at least 1, got " + users);
      }
      if (days < 3) {
        throw new IllegalArgumentException("--days must be at least 3 (history, drift day, evaluation day), got "
            + days);
      }
    }
  }

  private DriftRetrainBench() {}

  /** Runs the benchmark on the scratch catalog of {@code benchHome} (already empty) and returns its JSON result. */
  static Map<String, Object> run(SparkSession spark, FlywheelHome benchHome, Config config) {
    FeatureConfig featureConfig = FeatureConfig.defaults();
    // Traffic goes on for the settle delay after the evaluation day, so the gold frontier passes its end.
    Duration settle = Duration.ofDays(featureConfig.settleDelay().toDays() + 1);
    Duration evaluated = Duration.ofDays(config.days());
    double rate = config.requests() / (double) evaluated.toSeconds();
    long requests = config.requests() + Math.round(rate * settle.toSeconds());
    Instant start = SimulationConfig.defaultStart(requests, rate, LocalDate.now(ZoneOffset.UTC));
    Instant driftAt = start.plus(Duration.ofDays(config.days() - 2L));
    Instant evaluationFrom = driftAt.plus(Duration.ofDays(1));
    Instant evaluationUntil = evaluationFrom.plus(Duration.ofDays(1));
    SimulationConfig simulation = SimulationConfig.of(config.users(), 300, requests, config.seed(), start, rate, driftAt, 0);
    Path events = benchHome.root().resolve("simulated-events.jsonl");
    TrafficSimulator simulator = new TrafficSimulator(simulation);
    try (EventSink sink = EventSinks.jsonLines(events)) {
      simulator.run(simulator.randomRanker(), sink);
    }

    long began = System.nanoTime();
    BronzeWrites.Landed landed = Backfill.run(spark, new Backfill.Config(events.toString()));
    FeaturesResult features = FeaturesJob.run(spark, FeatureTables.standard(), featureConfig, ReadMode.FULL);
    double featuresSeconds = seconds(began);

    TrainConfig shared = TrainConfig.defaults(benchHome.models()).withXgboost(config.xgboost());
    Timed staticModel = train(spark, shared.with("clicked", true).before(driftAt));
    // The incremental window with every learner cold: what warm start buys. Rolled back if the gate promoted it,
    // so the warm run has the same champion, hence the same window and the same models to continue.
    Timed coldIncremental = train(spark, shared.withColdStart(true).before(evaluationFrom));
    ModelRegistry registry = ModelRegistry.onDelta(spark, benchHome.models());
    if (registry.champion().map(ModelVersion::version).orElseThrow() == coldIncremental.version().version()) {
      registry.rollback();
    }
    Timed incremental = train(spark, shared.before(evaluationFrom));
    Timed full = train(spark, shared.with("clicked", true).before(evaluationFrom));

    Dataset<Row> lastDay = spark.table(Tables.TRAINING_EXAMPLES.qualifiedName())
        .where(col("event_time").geq(lit(Timestamp.from(evaluationFrom)))
            .and(col("event_time").lt(lit(Timestamp.from(evaluationUntil)))));
    Map<String, Object> evaluation = new LinkedHashMap<>();
    evaluation.put("static", evaluate(lastDay, staticModel));
    evaluation.put("incremental", evaluate(lastDay, incremental));
    evaluation.put("incremental_cold", evaluate(lastDay, coldIncremental));
    evaluation.put("full", evaluate(lastDay, full));

    Map<String, Object> json = new LinkedHashMap<>();
    json.put("simulation", Map.of("requests", config.requests(), "users", config.users(), "days", config.days(),
        "seed", config.seed(), "ranking", "random", "drift_at", driftAt.toString(),
        "evaluation_from", evaluationFrom.toString(),
        "settle_requests", requests - config.requests()));
    json.put("events", landed.validEvents());
    json.put("training_examples", features.examples());
    json.put("land_and_features_seconds", featuresSeconds);
    json.put("protocol", "static = --full before the drift; incremental = the drift day + replay, warm-started from"
        + " static; incremental_cold = the same window, every learner cold; full = --full on every day before the"
        + " last; all scored on the last day");
    json.put("versions", Map.of("static", staticModel.version().version(), "incremental",
        incremental.version().version(), "incremental_cold", coldIncremental.version().version(),
        "full", full.version().version()));
    json.put("train_seconds", Map.of("static", staticModel.seconds(), "incremental", incremental.seconds(),
        "incremental_cold", coldIncremental.seconds(), "full", full.seconds()));
    json.put("phase_seconds", Map.of("static", phaseSeconds(staticModel), "incremental", phaseSeconds(incremental),
        "incremental_cold", phaseSeconds(coldIncremental), "full", phaseSeconds(full)));
    json.put("warm_start", incremental.version().warmStart());
    json.put("last_day", evaluation);
    json.put("truth_on_last_day", TruthCeiling.of(spark, lastDay, simulator.truth()));
    return json;
  }

  /** One training run and its wall-clock time. */
  private record Timed(ModelVersion version, double seconds) {}

  private static Timed train(SparkSession spark, TrainConfig config) {
    long began = System.nanoTime();
    ModelVersion version = TrainJob.run(spark, config).version().orElseThrow(() -> new LakehouseException(
        "The training run before " + config.until().orElseThrow() + " found no examples; simulate more requests"));
    return new Timed(version, seconds(began));
  }

  /**
   * AUC and log loss on {@code examples} of the version's stack and of each of its learners, and the stack's gain
   * over the best of them.
   */
  private static Map<String, Object> evaluate(Dataset<Row> examples, Timed trained) {
    Dataset<Row> scored = Trainer.score(examples, trained.version()).cache();
    Map<String, Object> byScore = new LinkedHashMap<>();
    Map<String, Double> aucs = new HashMap<>();
    Arrays.stream(scored.columns()).filter(column -> column.startsWith("p_")).forEach(column -> {
      Map<String, Double> metrics = Metrics.of(scored, column);
      byScore.put(column.substring(2), Map.of("auc", metrics.get("auc"), "log_loss", metrics.get("log_loss")));
      aucs.put(column.substring(2), metrics.get("auc"));
    });
    byScore.put("examples", scored.count());
    byScore.put("stack_gain", StackingGain.of(scored, aucs::get));
    scored.unpersist();
    return byScore;
  }

  /**
   * Where a run's time went, from its model card: the trainer's phases up to the bundle export, and the rest
   * of the run's wall-clock time (bundle, registry, ledger) as {@code other}.
   */
  private static Map<String, Double> phaseSeconds(Timed trained) {
    Path card = Path.of(trained.version().artifactLocation(), "bundle", "model-card.json");
    Map<String, Double> phases = new LinkedHashMap<>();
    try {
      new ObjectMapper().readTree(card.toFile()).path("phase_seconds").fields()
          .forEachRemaining(phase -> phases.put(phase.getKey(), phase.getValue().asDouble()));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the model card " + card + ": " + e.getMessage(), e);
    }
    phases.put("other", trained.seconds() - phases.values().stream().mapToDouble(Double::doubleValue).sum());
    return phases;
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
