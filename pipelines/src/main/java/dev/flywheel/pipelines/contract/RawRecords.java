package dev.flywheel.pipelines.contract;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.types.DataTypes.BinaryType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The shape every source hands to validation: the record's bytes as received plus where it came
 * from. Kafka, JSON Lines, Parquet and quarantine replay all become this shape, so one validation
 * path serves them all.
 */
public final class RawRecords {
  /** Columns of a raw record. */
  public static final StructType SCHEMA = new StructType()
      .add("payload", BinaryType)
      .add("kafka_key", StringType)
      .add("source_kind", StringType)
      .add("topic", StringType)
      .add("partition", IntegerType)
      .add("offset", LongType)
      .add("file", StringType)
      .add("line", LongType)
      .add("arrived_at", TimestampType);

  public static final String KAFKA = "kafka";
  public static final String FILE = "file";
  public static final String REPLAY = "replay";

  private RawRecords() {}

  /**
   * Raw records from the rows of Spark's Kafka source ({@code key}, {@code value}, {@code topic},
   * {@code partition}, {@code offset}, {@code timestamp}).
   */
  public static Dataset<Row> fromKafka(Dataset<Row> kafkaRows) {
    return kafkaRows.select(
        col("value").as("payload"),
        col("key").cast("string").as("kafka_key"),
        lit(KAFKA).as("source_kind"),
        col("topic"),
        col("partition"),
        col("offset"),
        lit(null).cast(StringType).as("file"),
        lit(null).cast(LongType).as("line"),
        col("timestamp").as("arrived_at"));
  }

  /**
   * Raw records from lines of a file: {@code text} is the line (string or binary), {@code file}
   * and {@code line} its coordinates.
   */
  public static Dataset<Row> fromFileLines(Dataset<Row> lines, Column text, Column file, Column line,
      Column arrivedAt) {
    return lines.select(
        text.cast(BinaryType).as("payload"),
        lit(null).cast(StringType).as("kafka_key"),
        lit(FILE).as("source_kind"),
        lit(null).cast(StringType).as("topic"),
        lit(null).cast(IntegerType).as("partition"),
        lit(null).cast(LongType).as("offset"),
        file.as("file"),
        line.as("line"),
        arrivedAt.as("arrived_at"));
  }
}
