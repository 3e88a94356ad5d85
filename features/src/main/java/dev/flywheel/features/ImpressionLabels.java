package dev.flywheel.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Turns attributed feedback into the label columns of an impression, and says how a batch's labels
 * combine with the labels already stored, so feedback that arrives in a later run updates its impression
 * exactly as if it had arrived with it. Pure.
 */
public final class ImpressionLabels {
  private ImpressionLabels() {}

  /**
   * One row per impression key with the labels of {@code attributed} (distinct feedback events):
   * {@code clicks} counts distinct click events, so a repeated click still makes {@code clicked} once;
   * the rating is the latest one; purchase amounts and dwell seconds add up.
   */
  public static Dataset<Row> aggregate(Dataset<Row> attributed) {
    Column isClick = col("event_type").equalTo("click");
    Column isPurchase = col("event_type").equalTo("purchase");
    Column isDwell = col("event_type").equalTo("dwell");
    Dataset<Row> latestRating = attributed.where(col("event_type").equalTo("rating"))
        .withColumn("rating_rank", row_number().over(Window.partitionBy(Joins.columns(SilverImpressions.KEY))
            .orderBy(col("event_time").desc(), col("event_id").desc())))
        .where(col("rating_rank").equalTo(1))
        .select(col("request_id"), col("item_id"), col("value").as("rating"), col("event_time").as("rating_time"));
    Dataset<Row> totals = attributed.groupBy(SilverImpressions.KEY[0], SilverImpressions.KEY[1]).agg(
        count(when(isClick, 1)).as("clicks"),
        min(when(isClick, col("event_time"))).as("first_click_time"),
        count(when(isPurchase, 1)).as("purchases"),
        min(when(isPurchase, col("event_time"))).as("purchase_time"),
        sum(when(isPurchase, col("value"))).as("purchase_amount"),
        sum(when(isDwell, col("value"))).as("dwell_seconds"),
        max(when(isDwell, col("event_time"))).as("dwell_time"));
    return totals.join(latestRating, Joins.on(SilverImpressions.KEY), "left");
  }

  /** The MERGE assignments that fold a batch's labels ({@code source}) into the stored ones ({@code target}). */
  public static Map<String, Column> fold(String target, String source) {
    Map<String, Column> set = new LinkedHashMap<>();
    set.put("clicked", col(target + ".clicked").or(col(source + ".clicks").gt(0)));
    set.put("first_click_time", least(col(target + ".first_click_time"), col(source + ".first_click_time")));
    set.put("clicks", col(target + ".clicks").plus(col(source + ".clicks")));
    set.put("purchased", col(target + ".purchased").or(col(source + ".purchases").gt(0)));
    set.put("purchase_time", least(col(target + ".purchase_time"), col(source + ".purchase_time")));
    set.put("purchase_amount", addNullable(col(target + ".purchase_amount"), col(source + ".purchase_amount")));
    Column newerRating = col(source + ".rating_time").isNotNull().and(col(target + ".rating_time").isNull()
        .or(col(source + ".rating_time").gt(col(target + ".rating_time"))));
    set.put("rating", when(newerRating, col(source + ".rating")).otherwise(col(target + ".rating")));
    set.put("rating_time", greatest(col(target + ".rating_time"), col(source + ".rating_time")));
    set.put("dwell_seconds", addNullable(col(target + ".dwell_seconds"), col(source + ".dwell_seconds")));
    set.put("dwell_time", greatest(col(target + ".dwell_time"), col(source + ".dwell_time")));
    return set;
  }

  private static Column addNullable(Column a, Column b) {
    return when(a.isNull(), b).when(b.isNull(), a).otherwise(a.plus(b));
  }
}
