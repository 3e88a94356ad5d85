package dev.flywheel.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The events the gold counts are made of, each at its own time: an impression at its time, and its
 * attributed click, purchase, rating and dwell at theirs. Counting a click at the click's time (not the
 * impression's) is what keeps an example's own click, and every later event, out of its features. Pure.
 */
public final class FeatureEvents {
  /** The additive contributions of one event, named like the gold running counts they add to. */
  public static final List<String> ADDITIVE = List.of(
      "impressions", "clicks", "purchases", "ratings", "rating_sum", "positive_ratings", "dwells", "dwell_sum");

  /** An event is one per (request_id, item_id, kind). */
  public static final String[] EVENT_KEY = {"request_id", "item_id", "kind"};

  private FeatureEvents() {}

  /**
   * The feature events with a time in [{@code from}, {@code until}) of the given silver rows (which must
   * include every impression whose feedback can fall in that range).
   */
  public static Dataset<Row> between(Dataset<Row> silver, Timestamp from, Timestamp until) {
    Dataset<Row> events = event(silver, "impression", col("event_time"), 1, 0, 0, null, null)
        .unionByName(event(silver, "click", col("first_click_time"), 0, 1, 0, null, null))
        .unionByName(event(silver, "purchase", col("purchase_time"), 0, 0, 1, null, null))
        .unionByName(event(silver, "rating", col("rating_time"), 0, 0, 0, col("rating"), null))
        .unionByName(event(silver, "dwell", col("dwell_time"), 0, 0, 0, null, col("dwell_seconds")));
    return events.where(col("ts").isNotNull().and(col("ts").geq(lit(from))).and(col("ts").lt(lit(until))));
  }

  private static Dataset<Row> event(Dataset<Row> silver, String kind, Column time, long impressions, long clicks,
      long purchases, Column rating, Column dwell) {
    List<Column> columns = new ArrayList<>(List.of(
        col("request_id"), col("item_id"), col("user_id"), col("query"), lit(kind).as("kind"), time.as("ts"),
        lit(impressions).as("impressions"), lit(clicks).as("clicks"), lit(purchases).as("purchases"),
        lit(rating == null ? 0L : 1L).as("ratings"),
        (rating == null ? lit(0.0) : rating).as("rating_sum"),
        (rating == null ? lit(0L) : when(rating.geq(4), 1L).otherwise(0L)).as("positive_ratings"),
        lit(dwell == null ? 0L : 1L).as("dwells"),
        (dwell == null ? lit(0.0) : dwell).as("dwell_sum")));
    return silver.select(columns.toArray(Column[]::new));
  }
}
