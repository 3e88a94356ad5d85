package dev.flywheel.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.to_date;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

  /**
   * Bronze events without a repeated {@code event_id}: a resent event is the same event, and the copy of
   * the earliest commit ({@code commit_version}) is the one kept, whatever the run's batching.
   */
  public static Dataset<Row> distinctEvents(Dataset<Row> bronze) {
    return bronze
        .withColumn("copy_rank", row_number().over(Window.partitionBy("event_id")
            .orderBy(col(EventTimeWatermark.COMMIT_VERSION))))
        .where(col("copy_rank").equalTo(1))
        .drop("copy_rank");
  }

  /**
   * True when the impression is within the allowed lateness of the event-time watermark it landed
   * under ({@link EventTimeWatermark}; no watermark: the first commit, on time).
   */
  public static Column inTime(Duration allowedLateness) {
    return col(EventTimeWatermark.WATERMARK).isNull()
        .or(col(EventTimeWatermark.WATERMARK).leq(col("event_time").plus(interval(allowedLateness))));
  }

  /**
   * The impressions among {@code events}, as silver-shaped rows without labels and session, with the
   * {@code watermark} they landed under (for {@link #inTime}; not stored).
   */
  public static Dataset<Row> impressions(Dataset<Row> events) {
    List<String> columns = new ArrayList<>(List.of(IMPRESSION_COLUMNS));
    columns.add(EventTimeWatermark.WATERMARK);
    return events.where(col("event_type").equalTo("impression"))
        .withColumn("device", col("context").getItem("device"))
        .select(Joins.columns(columns.toArray(String[]::new)));
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
