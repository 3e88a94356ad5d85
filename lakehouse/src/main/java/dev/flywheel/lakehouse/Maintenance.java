package dev.flywheel.lakehouse;

import io.delta.tables.DeltaOptimizeBuilder;
import io.delta.tables.DeltaTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Compaction (OPTIMIZE, with ZORDER where a table declares it) and VACUUM of catalog tables. */
public final class Maintenance {
  /** Below this, VACUUM can delete files a running reader or time travel still needs. */
  public static final Duration MIN_RETENTION = Duration.ofDays(7);
  private static final String RETENTION_CHECK = "spark.databricks.delta.retentionDurationCheck.enabled";

  private Maintenance() {}

  /**
   * What maintenance did to one table. Immutable.
   *
   * @param table fully qualified name
   * @param filesAdded files OPTIMIZE wrote
   * @param filesRemoved files OPTIMIZE replaced
   * @param zorderBy columns clustered by, empty for plain compaction
   */
  public record Result(String table, long filesAdded, long filesRemoved, List<String> zorderBy) {}

  /**
   * Rejects a retention below {@link #MIN_RETENTION} unless the operator opted in.
   *
   * @throws RetentionTooShortException when {@code retention} is shorter than seven days and
   *     {@code allowShortRetention} is false
   */
  public static void checkRetention(Duration retention, boolean allowShortRetention) {
    if (retention.isNegative()) {
      throw new IllegalArgumentException("retention must not be negative, was " + retention);
    }
    if (retention.compareTo(MIN_RETENTION) < 0 && !allowShortRetention) {
      throw new RetentionTooShortException(retention);
    }
  }

  /** Optimizes then vacuums each table, after {@link #checkRetention}. */
  public static List<Result> run(SparkSession spark, List<TableSpec> tables, Duration retention,
      boolean allowShortRetention) {
    checkRetention(retention, allowShortRetention);
    List<Result> results = new ArrayList<>();
    for (TableSpec spec : tables) {
      DeltaTable table = DeltaTable.forName(spark, spec.qualifiedName());
      DeltaOptimizeBuilder optimize = table.optimize();
      Row metrics = (spec.zorderBy().isEmpty()
          ? optimize.executeCompaction()
          : optimize.executeZOrderBy(spec.zorderBy().toArray(String[]::new))).head().getStruct(1);
      results.add(new Result(spec.qualifiedName(),
          metrics.getLong(metrics.fieldIndex("numFilesAdded")),
          metrics.getLong(metrics.fieldIndex("numFilesRemoved")), spec.zorderBy()));
      vacuum(spark, table, retention, allowShortRetention);
    }
    return results;
  }

  private static void vacuum(SparkSession spark, DeltaTable table, Duration retention, boolean allowShort) {
    double hours = retention.toMinutes() / 60.0;
    if (!allowShort) {
      table.vacuum(hours);
      return;
    }
    String before = spark.conf().get(RETENTION_CHECK, "true");
    spark.conf().set(RETENTION_CHECK, "false");
    try {
      table.vacuum(hours);
    } finally {
      spark.conf().set(RETENTION_CHECK, before);
    }
  }
}
