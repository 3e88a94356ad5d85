package dev.flywheel.lakehouse;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IdempotentAppenderTest {
  private final SparkSession spark = SharedSpark.session();
  private String table;

  @BeforeEach
  void createTable() {
    String db = SharedSpark.freshDatabase("appender");
    TableSpec spec = new TableSpec(db, "numbers", "", new StructType()
        .add(Columns.required("n", LongType, "a number"))
        .add(Columns.optional("label", StringType, "a label")), List.of(), List.of(), TableSpec.APPEND_ONLY);
    TableCatalog.ensure(spark, spec);
    table = spec.qualifiedName();
  }

  private Dataset<Row> numbers(long from, long to) {
    return spark.range(from, to).toDF("n").withColumn("label", lit("x"));
  }

  private List<Long> stored() {
    return spark.table(table).orderBy("n").select(col("n")).as(Encoders.LONG()).collectAsList();
  }

  private long latestVersion() {
    return TableCatalog.latestVersion(spark, table);
  }

  @Test
  void appendsEachVersionOnce() {
    IdempotentAppender writer = new IdempotentAppender(table, "stream-a");

    assertTrue(writer.append(numbers(0, 3), 0));
    assertTrue(writer.append(numbers(3, 5), 1));
    long version = latestVersion();
    assertFalse(writer.append(numbers(3, 5), 1));
    assertFalse(writer.append(numbers(0, 3), 0));

    assertEquals(List.of(0L, 1L, 2L, 3L, 4L), stored());
    assertEquals(version, latestVersion());
  }

  @Test
  void aRestartedWriterFindsItsVersionsInTheTable() {
    new IdempotentAppender(table, "stream-a").append(numbers(0, 3), 7);

    IdempotentAppender restarted = new IdempotentAppender(table, "stream-a");

    assertFalse(restarted.append(numbers(0, 3), 7));
    assertTrue(restarted.append(numbers(3, 4), 8));
    assertEquals(List.of(0L, 1L, 2L, 3L), stored());
  }

  @Test
  void recognisesDeltasWriteOptionsBothWays() {
    IdempotentAppender writer = new IdempotentAppender(table, "stream-a");
    writer.append(numbers(0, 1), 0);
    // Another writer of the same id, through Delta's own options, after this one's first append.
    numbers(1, 2).write().format("delta").mode("append")
        .option("txnAppId", "stream-a").option("txnVersion", 1L).saveAsTable(table);

    assertFalse(writer.append(numbers(1, 2), 1));
    assertTrue(writer.append(numbers(2, 3), 2));
    numbers(2, 3).write().format("delta").mode("append")
        .option("txnAppId", "stream-a").option("txnVersion", 2L).saveAsTable(table);

    assertEquals(List.of(0L, 1L, 2L), stored());
  }

  @Test
  void writersOfOtherIdsAreIndependent() {
    new IdempotentAppender(table, "stream-a").append(numbers(0, 1), 0);

    assertTrue(new IdempotentAppender(table, "stream-b").append(numbers(1, 2), 0));
    assertEquals(List.of(0L, 1L), stored());
  }

  @Test
  void matchesColumnsByNameAndCastsToTheTablesTypes() {
    Dataset<Row> reordered = spark.sql("SELECT 'y' AS label, CAST(5 AS INT) AS n");

    new IdempotentAppender(table, "stream-a").append(reordered, 0);

    Row row = spark.table(table).head();
    assertEquals(5L, row.getLong(row.fieldIndex("n")));
    assertEquals("y", row.getString(row.fieldIndex("label")));
  }

  @Test
  void aRejectedAppendLeavesTheTableAndTheVersionUnwritten() {
    IdempotentAppender writer = new IdempotentAppender(table, "stream-a");
    writer.append(numbers(0, 1), 0);
    long version = latestVersion();
    Dataset<Row> nullNumber = spark.sql("SELECT CAST(NULL AS BIGINT) AS n, 'z' AS label");

    assertThrows(RuntimeException.class, () -> writer.append(nullNumber, 1));
    assertThrows(IllegalArgumentException.class, () -> writer.append(spark.range(1, 2).toDF("n"), 1));

    assertEquals(version, latestVersion());
    assertTrue(writer.append(numbers(1, 2), 1));
    assertEquals(List.of(0L, 1L), stored());
  }

  @Test
  void refusesAMissingTable() {
    IdempotentAppender writer = new IdempotentAppender(table + "_missing", "stream-a");

    assertThrows(TableNotFoundException.class, () -> writer.append(numbers(0, 1), 0));
  }
}
