package dev.flywheel.pipelines.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;

import dev.flywheel.pipelines.contract.RawRecords;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Loads historical logs (JSON Lines, plain or gzip, or Parquet with the contract's column names)
 * through the same validation as the stream into the same bronze tables. Loading a file twice
 * stores nothing twice.
 */
public final class Backfill {
  /** The ledger's name of this job. */
  public static final String JOB = "backfill";

  private Backfill() {}

  /**
   * Configuration of one backfill. Immutable.
   *
   * @param input a path or glob; folders are read file by file
   */
  public record Config(String input) {
    public Config {
      Objects.requireNonNull(input, "input");
      if (input.isBlank()) {
        throw new IllegalArgumentException("--input must name a file, folder or glob");
      }
    }
  }

  /** Raw records of the given files: Parquet by the {@code .parquet} extension, JSON Lines otherwise. */
  public static Dataset<Row> rawRecords(SparkSession spark, List<String> files) {
    List<String> parquet = files.stream().filter(f -> f.endsWith(".parquet")).toList();
    List<String> jsonLines = files.stream().filter(f -> !f.endsWith(".parquet")).toList();
    Dataset<Row> lines = null;
    if (!jsonLines.isEmpty()) {
      lines = FileLines.numbered(spark, jsonLines);
    }
    if (!parquet.isEmpty()) {
      Dataset<Row> rows = FileLines.numberedParquet(spark, parquet);
      lines = lines == null ? rows : lines.unionAll(rows);
    }
    return RawRecords.fromFileLines(lines, col("text"), col("file"), col("line"), current_timestamp());
  }

  /** Runs the backfill. */
  public static BronzeWrites.Landed run(SparkSession spark, Config config) {
    List<String> files = FileLines.expand(spark, config.input());
    return BronzeWrites.landRecorded(spark, JOB, Map.of("input", config.input(), "files", Integer.toString(files.size())),
        session -> rawRecords(session, files));
  }
}
