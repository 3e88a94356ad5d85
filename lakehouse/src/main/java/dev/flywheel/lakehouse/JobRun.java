package dev.flywheel.lakehouse;

import io.delta.tables.DeltaTable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * One attempt of a job, started by {@link RunLedger#start}. It knows the planned input ranges, makes
 * every write idempotent for the run's sequence number, and records the end in the ledger. Not
 * thread-safe: one job thread owns it.
 */
public final class JobRun {
  private static final String TXN_APP_ID = "spark.databricks.delta.write.txnAppId";
  private static final String TXN_VERSION = "spark.databricks.delta.write.txnVersion";

  private final RunLedger ledger;
  private final RunRecord started;
  private final List<OutputCommit> outputs = new ArrayList<>();

  JobRun(RunLedger ledger, RunRecord started) {
    this.ledger = ledger;
    this.started = started;
  }

  /** The ledger row this run started with. */
  public RunRecord record() {
    return started;
  }

  /** The session the run reads and writes with. */
  public SparkSession spark() {
    return ledger.spark();
  }

  /**
   * The planned version range of an input declared at start.
   *
   * @throws IllegalArgumentException when {@code table} was not declared as an input
   */
  public VersionRange input(String table) {
    return started.inputRange(table).orElseThrow(() -> new IllegalArgumentException(
        "Job " + started.job() + " did not declare " + table + " as an input; declared: "
            + started.inputs().stream().map(InputRange::table).toList()));
  }

  /** The rows inserted into {@code table} within the planned range. */
  public Dataset<Row> newRows(String table) {
    return TableCatalog.insertedRows(spark(), table, input(table));
  }

  /** The change data feed of {@code table} within the planned range. */
  public Dataset<Row> changes(String table) {
    return TableCatalog.changes(spark(), table, input(table));
  }

  /** The whole of {@code table} as of the end of the planned range: the input of a full recompute. */
  public Dataset<Row> snapshot(String table) {
    return TableCatalog.asOf(spark(), table, input(table).toVersion());
  }

  /** Appends {@code rows} to {@code table} once per run sequence (a retry does not append again). */
  public OutputCommit append(Dataset<Row> rows, String table) {
    return idempotently(table, "append", () -> TableCatalog.append(rows, table));
  }

  /**
   * Runs one Delta write to {@code table} (append, MERGE, UPDATE, DELETE, overwrite) under Delta's
   * idempotent-write transaction id for this run's sequence and {@code step}: a retry of the same
   * sequence skips a write the earlier attempt committed. One {@code step} name per write of a run.
   */
  public OutputCommit idempotently(String table, String step, Runnable write) {
    SparkSession spark = spark();
    spark.conf().set(TXN_APP_ID, "flywheel/" + started.job() + "/" + table + "/" + step);
    spark.conf().set(TXN_VERSION, Long.toString(started.sequence()));
    try {
      write.run();
    } finally {
      spark.conf().unset(TXN_APP_ID);
      spark.conf().unset(TXN_VERSION);
    }
    return recordOutput(table);
  }

  /** Records the latest commit of {@code table} as an output of this run (for writes made elsewhere). */
  public OutputCommit recordOutput(String table) {
    OutputCommit commit = lastCommit(spark(), table);
    outputs.add(commit);
    return commit;
  }

  private static OutputCommit lastCommit(SparkSession spark, String table) {
    Row last = DeltaTable.forName(spark, table).history(1).head();
    long version = last.getLong(last.fieldIndex("version"));
    String operation = last.getString(last.fieldIndex("operation"));
    Map<String, String> metrics = last.getJavaMap(last.fieldIndex("operationMetrics"));
    long rows = operation.startsWith("MERGE")
        ? metric(metrics, "numTargetRowsInserted") + metric(metrics, "numTargetRowsUpdated")
            + metric(metrics, "numTargetRowsDeleted")
        : metric(metrics, "numOutputRows");
    return new OutputCommit(table, version, rows);
  }

  private static long metric(Map<String, String> metrics, String key) {
    return metrics == null || metrics.get(key) == null ? 0 : Long.parseLong(metrics.get(key));
  }

  /** Records success with the run's row counts and its committed outputs. */
  public RunRecord succeed(long rowsIn, long rowsOut) {
    RunRecord done = started.ended(RunStatus.SUCCEEDED, Instant.now(), null, outputs, rowsIn, rowsOut);
    ledger.append(done);
    return done;
  }

  /** Records failure; the next start of the job retries this run's ranges. */
  public RunRecord fail(Throwable error) {
    String message = error.getMessage() == null ? error.getClass().getName() : error.getMessage();
    RunRecord failed = started.ended(RunStatus.FAILED, Instant.now(), message, outputs, 0, 0);
    ledger.append(failed);
    return failed;
  }
}
