package dev.flywheel.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.to_date;

import java.time.Duration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/** Impressions of bronze as silver rows: one per (request_id, item_id), the earliest one wins. Pure. */
public final class SilverImpressions {
  /** The columns that identify an impression. */
  public static final String[] KEY = {"request_id", "item_id"};

  /** The columns a new impression row carries before its labels and session are known. */
  static final String[] IMPRESSION_COLUMNS = {"request_id", "item_id", "event_id", "user_id", "event_time", "surface",
      "query", "position", "model_version", "device", "ingested_at"};

  private SilverImpressions() {}

  /** Bronze events without a repeated {@code event_id}: a resent event is the same event. */
  public static Dataset<Row> distinctEvents(Dataset<Row> bronze) {
    return bronze.dropDuplicates("event_id");
  }

  /** True when bronze committed the impression within the allowed lateness of its time. */
  public static Column inTime(Duration allowedLateness) {
    return col("ingested_at").leq(col("event_time").plus(interval(allowedLateness)));
  }

  /** The impressions among {@code events}, as silver-shaped rows without labels and session. */
  public static Dataset<Row> impressions(Dataset<Row> events) {
    return events.where(col("event_type").equalTo("impression"))
        .withColumn("device", col("context").getItem("device"))
        .select(Joins.columns(IMPRESSION_COLUMNS));
  }

  /**
   * One row per (request_id, item_id): the one with the earliest {@code event_time}, ties broken by
   * {@code event_id}, so the choice does not depend on arrival order.
   */
  public static Dataset<Row> firstPerKey(Dataset<Row> impressions) {
    return impressions
        .withColumn("key_rank", row_number().over(Window.partitionBy(Joins.columns(KEY)).orderBy(col("event_time"), col("event_id"))))
        .where(col("key_rank").equalTo(1))
        .drop("key_rank");
  }

  /** A silver row with no labels yet: what MERGE inserts for a new impression. */
  public static Dataset<Row> withEmptyLabels(Dataset<Row> sessionized) {
    return sessionized
        .withColumn("clicked", lit(false))
        .withColumn("first_click_time", lit(null).cast("timestamp"))
        .withColumn("clicks", lit(0L))
        .withColumn("purchased", lit(false))
        .withColumn("purchase_time", lit(null).cast("timestamp"))
        .withColumn("purchase_amount", lit(null).cast("double"))
        .withColumn("rating", lit(null).cast("double"))
        .withColumn("rating_time", lit(null).cast("timestamp"))
        .withColumn("dwell_seconds", lit(null).cast("double"))
        .withColumn("dwell_time", lit(null).cast("timestamp"))
        .withColumn("event_date", to_date(col("event_time")));
  }

  /** A Spark interval literal for {@code duration} (microsecond precision). */
  static Column interval(Duration duration) {
    return expr("INTERVAL '" + (duration.toNanos() / 1000) + "' MICROSECOND");
  }
}
