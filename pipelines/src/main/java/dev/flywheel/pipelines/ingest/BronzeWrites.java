package dev.flywheel.pipelines.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import dev.flywheel.lakehouse.JobRun;
import dev.flywheel.lakehouse.OutputCommit;
import dev.flywheel.lakehouse.ReadMode;
import dev.flywheel.lakehouse.RowCounts;
import dev.flywheel.lakehouse.RunLedger;
import dev.flywheel.lakehouse.RunRecord;
import dev.flywheel.lakehouse.Tables;
import dev.flywheel.pipelines.contract.FeedbackValidation;
import io.delta.tables.DeltaTable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * How validated records land in bronze. Batch sources (backfill, import, replay) merge: an
 * {@code event_id} already in bronze, or a quarantine record already kept, is not inserted again,
 * so loading the same input twice stores it once. The stream appends instead (see
 * {@link StreamingIngest}), having deduplicated with its state store.
 */
public final class BronzeWrites {
  private BronzeWrites() {}

  /**
   * What one landing stored. Immutable.
   *
   * @param validEvents new rows in {@code bronze.feedback_events}
   * @param quarantined new rows in {@code bronze.feedback_quarantine}
   */
  public record Landed(long validEvents, long quarantined) {
    /** What a recorded run landed, from its output commits. */
    public static Landed of(RunRecord run) {
      return new Landed(rowsWritten(run, Tables.FEEDBACK_EVENTS.qualifiedName()),
          rowsWritten(run, Tables.FEEDBACK_QUARANTINE.qualifiedName()));
    }

    private static long rowsWritten(RunRecord run, String table) {
      return run.outputs().stream().filter(o -> o.table().equals(table)).mapToLong(OutputCommit::rows).sum();
    }
  }

  /** Merges the valid and invalid records of {@code validated} into bronze, idempotently for {@code run}. */
  public static Landed land(JobRun run, Dataset<Row> validated) {
    Dataset<Row> events = FeedbackValidation.validEvents(validated).dropDuplicates("event_id");
    Dataset<Row> quarantine = FeedbackValidation.quarantineRecords(validated).dropDuplicates("quarantine_id");
    String eventsTable = Tables.FEEDBACK_EVENTS.qualifiedName();
    String quarantineTable = Tables.FEEDBACK_QUARANTINE.qualifiedName();
    OutputCommit eventsCommit = run.idempotently(eventsTable, "merge", () ->
        DeltaTable.forName(run.spark(), eventsTable).as("t")
            .merge(events.as("s"), expr("t.event_id = s.event_id"))
            .whenNotMatched().insertAll()
            .execute());
    OutputCommit quarantineCommit = run.idempotently(quarantineTable, "merge", () ->
        DeltaTable.forName(run.spark(), quarantineTable).as("t")
            .merge(quarantine.as("s"), col("t.quarantine_id").equalTo(col("s.quarantine_id")))
            .whenNotMatched().insertAll()
            .execute());
    return new Landed(eventsCommit.rows(), quarantineCommit.rows());
  }

  /** Validates and lands {@code raw} records as one ledger-recorded run of {@code job}. */
  public static BronzeWrites.Landed landRecorded(SparkSession spark, String job, Map<String, String> params,
      Function<SparkSession, Dataset<Row>> raw) {
    RunRecord done = RunLedger.onDelta(spark).execute(job, ReadMode.FULL, List.of(), params, run -> {
      Dataset<Row> validated = FeedbackValidation.validate(raw.apply(run.spark()))
          .persist(StorageLevel.MEMORY_AND_DISK());
      try {
        long in = validated.count();
        BronzeWrites.Landed landed = BronzeWrites.land(run, validated);
        return new RowCounts(in, landed.validEvents() + landed.quarantined());
      } finally {
        validated.unpersist();
      }
    });
    return BronzeWrites.Landed.of(done);
  }

}
