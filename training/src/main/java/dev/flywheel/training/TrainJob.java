package dev.flywheel.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;

import dev.flywheel.lakehouse.JobRun;
import dev.flywheel.lakehouse.LakehouseException;
import dev.flywheel.lakehouse.ReadMode;
import dev.flywheel.lakehouse.RowCounts;
import dev.flywheel.lakehouse.RunLedger;
import dev.flywheel.lakehouse.RunRecord;
import dev.flywheel.lakehouse.TableCatalog;
import dev.flywheel.lakehouse.Tables;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code train} job: one ledger entry per run, reading gold.training_examples and the latest
 * gold.feature_stats version at the Delta versions the ledger planned (so the registry's input versions
 * rebuild the training set and its normalization by time travel).
 */
public final class TrainJob {
  /** The job's name in the run ledger. */
  public static final String JOB = "train";
  /** The features job's name in the run ledger, whose parameters give the bundle's feature config. */
  static final String FEATURES_JOB = "features";

  private TrainJob() {}

  /** The ledger entry of the run and the version it registered (empty: nothing new to train on). */
  public record Result(RunRecord run, Optional<ModelVersion> version) {}

  /** Trains on the catalog's tables. */
  public static Result run(SparkSession spark, TrainConfig config) {
    String examples = Tables.TRAINING_EXAMPLES.qualifiedName();
    String stats = Tables.FEATURE_STATS.qualifiedName();
    RunLedger ledger = RunLedger.onDelta(spark);
    BundleFeatureConfig featureConfig = ledger.lastSuccessful(FEATURES_JOB)
        .map(features -> BundleFeatureConfig.fromFeaturesRunParams(features.params()))
        .orElse(BundleFeatureConfig.DEFAULT);
    // Checked before the ledger run starts: a failed run is retried with the same planned input versions,
    // so a run that failed for want of statistics would keep failing after the features job wrote them.
    latestStatsVersion(spark.table(stats), "the latest version");
    AtomicReference<Optional<ModelVersion>> registered = new AtomicReference<>(Optional.empty());
    RunRecord record = ledger.execute(JOB, ReadMode.FULL, List.of(examples, stats), config.asParams(), run -> {
      Dataset<Row> snapshot = run.snapshot(examples);
      TrainingInputs inputs = inputs(run, snapshot, featureConfig);
      Optional<ModelVersion> version = Trainer.train(inputs, ModelRegistry.onDelta(spark, config.models()), config);
      registered.set(version);
      return new RowCounts(snapshot.count(), version.isPresent() ? 1 : 0);
    });
    return new Result(record, registered.get());
  }

  /** A version's stored metrics and the ones a retraining on the same inputs gave. */
  public record Reproduction(ModelVersion version, Map<String, Double> metrics) {
    /** The metrics whose reproduced value differs from the stored one by more than {@code tolerance}. */
    public Map<String, String> differences(double tolerance) {
      Map<String, String> differences = new TreeMap<>();
      version.metrics().forEach((name, stored) -> {
        Double again = metrics.get(name);
        boolean bothNaN = again != null && again.isNaN() && stored.isNaN();
        if (!bothNaN && (again == null || !(Math.abs(again - stored) <= tolerance))) {
          differences.put(name, stored + " -> " + again);
        }
      });
      return differences;
    }
  }

  /**
   * Retrains registered {@code version} from its record: the examples and statistics at the stored Delta
   * versions (time travel), its stored parameters, statistics version and bundle feature config, against its
   * parent as the champion. Registers nothing.
   *
   * @throws LakehouseException when the version is unknown or lacks the input versions to time-travel to
   */
  public static Reproduction reproduce(SparkSession spark, Path models, long version) {
    ModelRegistry registry = ModelRegistry.onDelta(spark, models);
    ModelVersion original = registry.get(version).orElseThrow(() -> new LakehouseException(
        "Cannot reproduce v" + version + ": no such version; see `flywheel models list`"));
    String examples = Tables.TRAINING_EXAMPLES.qualifiedName();
    String stats = Tables.FEATURE_STATS.qualifiedName();
    String statsVersion = original.params().get("stats_version");
    if (!original.inputVersions().containsKey(examples) || !original.inputVersions().containsKey(stats)
        || statsVersion == null) {
      throw new LakehouseException("Cannot reproduce v" + version + ": it records no " + examples + " or " + stats
          + " version (inputs " + original.inputVersions() + "); it predates reproducible training");
    }
    List<Row> statsRows = TableCatalog.asOf(spark, stats, original.inputVersions().get(stats))
        .where(col("stats_version").equalTo(Long.parseLong(statsVersion))).collectAsList();
    TrainingInputs inputs = new TrainingInputs(
        TableCatalog.asOf(spark, examples, original.inputVersions().get(examples)), Normalization.fromStats(statsRows),
        Long.parseLong(statsVersion), Bundles.featureConfig(Bundles.of(original.artifactLocation())),
        original.inputVersions());
    Optional<ModelVersion> parent = Optional.ofNullable(original.parentVersion()).flatMap(registry::get);
    Trainer.Candidate candidate = Trainer.fit(inputs, parent, TrainConfig.fromParams(original.params(), models))
        .orElseThrow(() -> new LakehouseException("Cannot reproduce v" + version + ": its inputs hold no example"
            + " after its parent's training window"));
    return new Reproduction(original, candidate.metrics());
  }

  /** The newest stats_version in {@code stats} (gold.feature_stats at {@code which}). */
  private static long latestStatsVersion(Dataset<Row> stats, String which) {
    Row latest = stats.agg(max("stats_version")).first();
    if (latest.isNullAt(0)) {
      throw new LakehouseException(Tables.FEATURE_STATS.qualifiedName() + " has no statistics yet (" + which
          + "): run `flywheel features` until gold.training_examples has rows, then train");
    }
    return latest.getLong(0);
  }

  private static TrainingInputs inputs(JobRun run, Dataset<Row> examples, BundleFeatureConfig featureConfig) {
    String stats = Tables.FEATURE_STATS.qualifiedName();
    Dataset<Row> allStats = run.snapshot(stats);
    long statsVersion = latestStatsVersion(allStats, "Delta version " + run.input(stats).toVersion());
    List<Row> rows = allStats.where(col("stats_version").equalTo(statsVersion)).collectAsList();
    return new TrainingInputs(examples, Normalization.fromStats(rows), statsVersion, featureConfig,
        Map.of(Tables.TRAINING_EXAMPLES.qualifiedName(), run.input(Tables.TRAINING_EXAMPLES.qualifiedName()).toVersion(),
            stats, run.input(stats).toVersion()));
  }
}
