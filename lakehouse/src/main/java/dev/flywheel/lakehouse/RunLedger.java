package dev.flywheel.lakehouse;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.StructType;

/**
 * The run ledger: which job read which Delta versions of its inputs and which versions it wrote.
 * Jobs ask it what is new since their last successful run ({@link #start}) and record their end
 * ({@link JobRun#succeed}, {@link JobRun#fail}).
 *
 * <p>A run that died or failed is retried from the same point: the next {@link #start} of the job
 * reuses its sequence number and planned input ranges, and {@link JobRun}'s idempotent writes skip
 * what the dead attempt already committed, so the retry produces the same result. The same job must
 * not run twice at the same time (Airflow's {@code max_active_runs=1}).
 */
public final class RunLedger {
  private static final String MODE_PARAM = "read_mode";

  private final SparkSession spark;
  private final String table;

  private RunLedger(SparkSession spark, String table) {
    this.spark = spark;
    this.table = table;
  }

  /** The ledger in {@code ops.job_runs}. */
  public static RunLedger onDelta(SparkSession spark) {
    return onDelta(spark, Tables.JOB_RUNS.qualifiedName());
  }

  /** The ledger in another table of the same shape (tests isolate themselves with this). */
  public static RunLedger onDelta(SparkSession spark, String table) {
    return new RunLedger(spark, table);
  }

  /** The session the ledger and its runs work with. */
  SparkSession spark() {
    return spark;
  }

  /**
   * Starts a run of {@code job}: plans the version range of every input table and records the run
   * as running.
   *
   * @throws TableNotFoundException when an input table does not exist
   */
  public JobRun start(String job, ReadMode mode, List<String> inputTables, Map<String, String> params) {
    Map<String, String> allParams = new LinkedHashMap<>(params);
    allParams.put(MODE_PARAM, mode.name().toLowerCase());
    Optional<RunRecord> previous = latest(job);
    boolean retry = previous.isPresent()
        && previous.get().status() != RunStatus.SUCCEEDED
        && mode.name().toLowerCase().equals(previous.get().params().get(MODE_PARAM));
    long sequence = retry ? previous.get().sequence() : previous.map(r -> r.sequence() + 1).orElse(1L);
    int attempt = retry ? previous.get().attempt() + 1 : 1;
    Optional<RunRecord> lastSuccess = lastSuccessful(job);
    List<InputRange> inputs = new ArrayList<>();
    for (String input : inputTables) {
      Optional<VersionRange> planned = retry ? previous.get().inputRange(input) : Optional.empty();
      inputs.add(new InputRange(input, planned.orElseGet(() -> plan(input, mode, lastSuccess))));
    }
    RunRecord running = new RunRecord(UUID.randomUUID().toString(), job, sequence, attempt,
        RunStatus.RUNNING, Instant.now(), null, null, allParams, inputs, List.of(), 0, 0);
    append(running);
    return new JobRun(this, running);
  }

  /**
   * Runs {@code body} as one ledger-recorded run: starts it, records success with the body's row
   * counts, or records the failure and rethrows it.
   */
  public RunRecord execute(String job, ReadMode mode, List<String> inputTables, Map<String, String> params,
      JobBody body) {
    JobRun run = start(job, mode, inputTables, params);
    RowCounts counts;
    try {
      counts = body.apply(run);
    } catch (RuntimeException | Error failure) {
      run.fail(failure);
      throw failure;
    }
    return run.succeed(counts.in(), counts.out());
  }

  private VersionRange plan(String input, ReadMode mode, Optional<RunRecord> lastSuccess) {
    long latest = TableCatalog.latestVersion(spark, input);
    if (mode == ReadMode.FULL) {
      return new VersionRange(0, latest);
    }
    long consumed = lastSuccess.flatMap(r -> r.inputRange(input)).map(VersionRange::toVersion).orElse(-1L);
    return VersionRange.after(consumed, latest);
  }

  /** The newest successful run of {@code job}. */
  public Optional<RunRecord> lastSuccessful(String job) {
    return currentStates()
        .where(col("job").equalTo(job).and(col("status").equalTo(RunStatus.SUCCEEDED.stored())))
        .orderBy(col("sequence").desc(), col("attempt").desc())
        .limit(1).collectAsList().stream().map(RunLedger::toRecord).findFirst();
  }

  /** The newest run of {@code job}, whatever its state. */
  public Optional<RunRecord> latest(String job) {
    return currentStates()
        .where(col("job").equalTo(job))
        .orderBy(col("sequence").desc(), col("attempt").desc())
        .limit(1).collectAsList().stream().map(RunLedger::toRecord).findFirst();
  }

  /** The newest {@code limit} runs, newest first, optionally of one job only. */
  public List<RunRecord> recent(Optional<String> job, int limit) {
    Dataset<Row> states = currentStates();
    if (job.isPresent()) {
      states = states.where(col("job").equalTo(job.get()));
    }
    return states.orderBy(col("started_at").desc()).limit(limit)
        .collectAsList().stream().map(RunLedger::toRecord).toList();
  }

  /** The current state of every run: its last ledger row. */
  private Dataset<Row> currentStates() {
    if (!spark.catalog().tableExists(table)) {
      throw new TableNotFoundException(table);
    }
    WindowSpec newestFirst = Window.partitionBy("run_id").orderBy(
        when(col("status").equalTo(RunStatus.RUNNING.stored()), 0).otherwise(1).desc(),
        col("recorded_at").desc());
    return spark.table(table)
        .withColumn("state_rank", row_number().over(newestFirst))
        .where(col("state_rank").equalTo(1))
        .drop("state_rank");
  }

  void append(RunRecord record) {
    StructType schema = spark.table(table).schema();
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("run_id", record.runId());
    values.put("job", record.job());
    values.put("sequence", record.sequence());
    values.put("attempt", record.attempt());
    values.put("status", record.status().stored());
    values.put("started_at", Timestamp.from(record.startedAt()));
    values.put("ended_at", record.endedAt() == null ? null : Timestamp.from(record.endedAt()));
    values.put("error", record.error());
    values.put("params", record.params());
    values.put("inputs", record.inputs().stream().map(i -> RowFactory.create(
        i.table(), i.range().fromVersion(), i.range().toVersion())).toList());
    values.put("outputs", record.outputs().stream().map(o -> RowFactory.create(
        o.table(), o.version(), o.rows())).toList());
    values.put("rows_in", record.rowsIn());
    values.put("rows_out", record.rowsOut());
    values.put("recorded_at", Timestamp.from(Instant.now()));
    Object[] row = new Object[schema.fields().length];
    for (int i = 0; i < row.length; i++) {
      row[i] = values.get(schema.fields()[i].name());
    }
    TableCatalog.append(spark.createDataFrame(List.of(RowFactory.create(row)), schema), table);
  }

  private static RunRecord toRecord(Row row) {
    List<InputRange> inputs = new ArrayList<>();
    for (Row input : row.<Row>getList(row.fieldIndex("inputs"))) {
      inputs.add(new InputRange(input.getString(0), new VersionRange(input.getLong(1), input.getLong(2))));
    }
    List<OutputCommit> outputs = new ArrayList<>();
    for (Row output : row.<Row>getList(row.fieldIndex("outputs"))) {
      outputs.add(new OutputCommit(output.getString(0), output.getLong(1), output.getLong(2)));
    }
    Timestamp ended = row.getTimestamp(row.fieldIndex("ended_at"));
    return new RunRecord(
        row.getString(row.fieldIndex("run_id")),
        row.getString(row.fieldIndex("job")),
        row.getLong(row.fieldIndex("sequence")),
        row.getInt(row.fieldIndex("attempt")),
        RunStatus.fromStored(row.getString(row.fieldIndex("status"))),
        row.getTimestamp(row.fieldIndex("started_at")).toInstant(),
        ended == null ? null : ended.toInstant(),
        row.getString(row.fieldIndex("error")),
        row.getJavaMap(row.fieldIndex("params")),
        inputs, outputs,
        row.getLong(row.fieldIndex("rows_in")),
        row.getLong(row.fieldIndex("rows_out")));
  }
}
