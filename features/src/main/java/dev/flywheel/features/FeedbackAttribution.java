package dev.flywheel.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Decides, for each feedback event, whether it counts for its impression: the feedback carries the
 * impression's {@code request_id} and {@code item_id}; it counts when it comes no earlier than the
 * impression, within the window of its type, and landed in bronze before the event-time watermark
 * ({@link EventTimeWatermark}) passed the impression's time plus that window plus the allowed lateness.
 * Pure.
 */
public final class FeedbackAttribution {
  /** Feedback types that become labels (add_to_cart is not a label of contract v1). */
  public static final List<String> LABEL_TYPES = List.of("click", "purchase", "rating", "dwell");

  /** The columns of a feedback event as silver keeps it. */
  public static final String[] FEEDBACK_COLUMNS = {"event_id", "event_type", "event_time", "user_id", "item_id",
      "request_id", "value", "ingested_at", EventTimeWatermark.WATERMARK};

  /** Outcomes in {@code attribution}. */
  public static final String ATTRIBUTED = "attributed";
  public static final String UNKNOWN_IMPRESSION = "unknown_impression";
  public static final String BEFORE_IMPRESSION = "before_impression";
  public static final String OUTSIDE_WINDOW = "outside_window";
  public static final String TOO_LATE = "too_late";

  private FeedbackAttribution() {}

  /** The label feedback among distinct bronze events, in silver's feedback shape. */
  public static Dataset<Row> labelFeedback(Dataset<Row> events) {
    return events.where(col("event_type").isin(LABEL_TYPES.toArray())).select(Joins.columns(FEEDBACK_COLUMNS));
  }

  /**
   * Adds {@code impression_time} and {@code attribution} (one of the outcome constants) to every feedback
   * row ({@code feedback} needs {@code watermark}); {@code impressions} needs {@code request_id}, {@code item_id} and {@code event_time}.
   */
  public static Dataset<Row> classify(Dataset<Row> feedback, Dataset<Row> impressions, FeatureConfig config) {
    Dataset<Row> shown = impressions.select(col("request_id"), col("item_id"),
        col("event_time").as("impression_time"));
    Column isClick = col("event_type").equalTo("click");
    Column windowEnd = when(isClick, col("impression_time").plus(SilverImpressions.interval(config.clickWindow())))
        .otherwise(col("impression_time").plus(SilverImpressions.interval(config.purchaseWindow())));
    Column lateEnd = when(isClick, col("impression_time").plus(SilverImpressions.interval(
            config.clickWindow().plus(config.allowedLateness()))))
        .otherwise(col("impression_time").plus(SilverImpressions.interval(
            config.purchaseWindow().plus(config.allowedLateness()))));
    return feedback.join(shown, Joins.on(SilverImpressions.KEY), "left")
        .withColumn("attribution",
            when(col("impression_time").isNull(), lit(UNKNOWN_IMPRESSION))
                .when(col("event_time").lt(col("impression_time")), lit(BEFORE_IMPRESSION))
                .when(col("event_time").gt(windowEnd), lit(OUTSIDE_WINDOW))
                .when(col(EventTimeWatermark.WATERMARK).gt(lateEnd), lit(TOO_LATE))
                .otherwise(lit(ATTRIBUTED)));
  }
}
