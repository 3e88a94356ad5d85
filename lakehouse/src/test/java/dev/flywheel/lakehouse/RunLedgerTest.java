package dev.flywheel.lakehouse;

import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RunLedgerTest {
  private final SparkSession spark = SharedSpark.session();
  private RunLedger ledger;
  private String source;
  private String target;

  @BeforeEach
  void createTables() {
    String db = SharedSpark.freshDatabase("ledger");
    TableSpec ledgerSpec = Tables.JOB_RUNS.inDatabase(db);
    TableSpec numbers = new TableSpec(db, "numbers", "", new StructType()
        .add(Columns.required("n", LongType, "a number")), List.of(), List.of(), TableSpec.APPEND_ONLY);
    TableCatalog.ensureAll(spark, List.of(ledgerSpec, numbers, new TableSpec(db, "copies", "",
        numbers.schema(), List.of(), List.of(), TableSpec.APPEND_ONLY)));
    ledger = RunLedger.onDelta(spark, ledgerSpec.qualifiedName());
    source = db + ".numbers";
    target = db + ".copies";
  }

  private void appendNumbers(long from, long to) {
    TableCatalog.append(spark.range(from, to).toDF("n"), source);
  }

  private RowCounts copyNewRows(JobRun run) {
    long rows = run.newRows(source).count();
    run.append(run.newRows(source), target);
    return new RowCounts(rows, rows);
  }

  @Test
  void returnsExactlyTheVersionsAppendedSinceTheLastSuccessfulRun() {
    appendNumbers(0, 5);
    appendNumbers(5, 8);
    RunRecord first = ledger.execute("copy", ReadMode.INCREMENTAL, List.of(source), Map.of(), this::copyNewRows);
    appendNumbers(8, 10);

    JobRun second = ledger.start("copy", ReadMode.INCREMENTAL, List.of(source), Map.of());

    assertEquals(new VersionRange(0, 2), first.inputRange(source).get());
    assertEquals(8, first.rowsIn());
    assertEquals(new VersionRange(3, 3), second.input(source));
    assertEquals(List.of(8L, 9L), second.newRows(source).orderBy("n").as(org.apache.spark.sql.Encoders.LONG())
        .collectAsList());
  }

  @Test
  void aRerunAfterSuccessFindsNothingNew() {
    appendNumbers(0, 3);
    ledger.execute("copy", ReadMode.INCREMENTAL, List.of(source), Map.of(), this::copyNewRows);

    RunRecord rerun = ledger.execute("copy", ReadMode.INCREMENTAL, List.of(source), Map.of(), this::copyNewRows);

    assertTrue(rerun.inputRange(source).get().isEmpty());
    assertEquals(0, rerun.rowsIn());
    assertEquals(3, spark.table(target).count());
  }

  @Test
  void aRunThatDiedAfterItsWriteIsRetriedFromTheSamePointWithoutWritingTwice() {
    appendNumbers(0, 4);
    JobRun dying = ledger.start("copy", ReadMode.INCREMENTAL, List.of(source), Map.of());
    dying.append(dying.newRows(source), target);
    // The process dies here: no ledger entry for the end of the run. Meanwhile new data lands.
    appendNumbers(4, 6);

    RunRecord retry = ledger.execute("copy", ReadMode.INCREMENTAL, List.of(source), Map.of(), this::copyNewRows);
    RunRecord next = ledger.execute("copy", ReadMode.INCREMENTAL, List.of(source), Map.of(), this::copyNewRows);

    assertEquals(dying.record().sequence(), retry.sequence());
    assertEquals(2, retry.attempt());
    assertEquals(dying.input(source), retry.inputRange(source).get());
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), spark.table(target).orderBy("n")
        .as(org.apache.spark.sql.Encoders.LONG()).collectAsList());
    assertEquals(2, next.rowsIn());
  }

  @Test
  void aFailingJobIsRecordedAsFailedAndItsErrorRethrown() {
    appendNumbers(0, 2);
    IllegalStateException boom = new IllegalStateException("disk full");

    IllegalStateException thrown = assertThrows(IllegalStateException.class,
        () -> ledger.execute("copy", ReadMode.INCREMENTAL, List.of(source), Map.of(), run -> {
          throw boom;
        }));

    assertSame(boom, thrown);
    RunRecord failed = ledger.latest("copy").get();
    assertEquals(RunStatus.FAILED, failed.status());
    assertEquals("disk full", failed.error());
    assertEquals(Optional.empty(), ledger.lastSuccessful("copy"));
  }

  @Test
  void recordsTheOutputVersionAndRowsOfEachWrite() {
    appendNumbers(0, 7);

    RunRecord done = ledger.execute("copy", ReadMode.INCREMENTAL, List.of(source), Map.of("k", "v"),
        this::copyNewRows);

    assertEquals(List.of(new OutputCommit(target, 1, 7)), done.outputs());
    assertEquals("v", done.params().get("k"));
    List<Row> stored = spark.table(ledgerTable()).where("status = 'succeeded'").collectAsList();
    assertEquals(1, stored.size());
  }

  @Test
  void aFullRunReadsEveryVersion() {
    appendNumbers(0, 2);
    ledger.execute("copy", ReadMode.INCREMENTAL, List.of(source), Map.of(), this::copyNewRows);
    appendNumbers(2, 3);

    JobRun full = ledger.start("copy", ReadMode.FULL, List.of(source), Map.of());

    assertEquals(new VersionRange(0, 2), full.input(source));
    assertEquals(3, full.snapshot(source).count());
  }

  private String ledgerTable() {
    return source.replace(".numbers", ".job_runs");
  }
}
