package dev.flywheel.training;

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
 * The {@code train} job: one ledger entry per run, reading gold.training_examples at the version the
 * ledger planned (so the registry's input version rebuilds the training set by time travel).
 */
public final class TrainJob {
  /** The job's name in the run ledger. */
  public static final String JOB = "train";

  private TrainJob() {}

  /** The ledger entry of the run and the version it registered (empty: nothing new to train on). */
  public record Result(RunRecord run, Optional<ModelVersion> version) {}

  /** Trains on the catalog's tables. */
  public static Result run(SparkSession spark, TrainConfig config) {
    String examples = Tables.TRAINING_EXAMPLES.qualifiedName();
    AtomicReference<Optional<ModelVersion>> registered = new AtomicReference<>(Optional.empty());
    RunRecord record = RunLedger.onDelta(spark).execute(JOB, ReadMode.FULL, List.of(examples), config.asParams(),
        run -> {
          Dataset<Row> snapshot = run.snapshot(examples);
          Optional<ModelVersion> version = Trainer.train(snapshot, Map.of(examples, run.input(examples).toVersion()),
              ModelRegistry.onDelta(spark), config);
          registered.set(version);
          return new RowCounts(snapshot.count(), version.isPresent() ? 1 : 0);
        });
    return new Result(record, registered.get());
  }
}
