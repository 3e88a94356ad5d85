package dev.flywheel.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;

import dev.flywheel.lakehouse.JobRun;
import dev.flywheel.lakehouse.LakehouseException;
import dev.flywheel.lakehouse.ReadMode;
import dev.flywheel.lakehouse.RowCounts;
import dev.flywheel.lakehouse.RunLedger;
import dev.flywheel.lakehouse.RunRecord;
import dev.flywheel.lakehouse.Tables;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

  private static TrainingInputs inputs(JobRun run, Dataset<Row> examples, BundleFeatureConfig featureConfig) {
    String stats = Tables.FEATURE_STATS.qualifiedName();
    Dataset<Row> allStats = run.snapshot(stats);
    Row latest = allStats.agg(max("stats_version")).first();
    if (latest.isNullAt(0)) {
      throw new LakehouseException(stats + " has no statistics yet (Delta version " + run.input(stats).toVersion()
          + "): run `flywheel features` until gold.training_examples has rows, then train");
    }
    long statsVersion = latest.getLong(0);
    List<Row> rows = allStats.where(col("stats_version").equalTo(statsVersion)).collectAsList();
    return new TrainingInputs(examples, Normalization.fromStats(rows), statsVersion, featureConfig,
        Map.of(Tables.TRAINING_EXAMPLES.qualifiedName(), run.input(Tables.TRAINING_EXAMPLES.qualifiedName()).toVersion(),
            stats, run.input(stats).toVersion()));
  }
}
