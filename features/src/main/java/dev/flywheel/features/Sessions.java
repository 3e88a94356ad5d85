package dev.flywheel.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.when;

import java.time.Duration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Splits each user's impressions into sessions: a session ends after {@code gap} without an impression.
 * A session is named by its user and its first impression, so the name does not depend on the run.
 *
 * <p>Incrementally, the input holds the new impressions plus the user's stored impressions from
 * {@code gap} before the earliest new one on ({@code stored_session_start} set): an earlier stored row
 * keeps its session, and the chain continues from it, which is exactly what a full recompute assigns.
 * Pure.
 */
public final class Sessions {
  private Sessions() {}

  /**
   * Adds {@code session_start} and {@code session_id}; input needs {@code user_id}, {@code event_time},
   * {@code event_id} and {@code stored_session_start} (null for new rows).
   */
  public static Dataset<Row> assign(Dataset<Row> impressions, Duration gap) {
    WindowSpec inOrder = Window.partitionBy("user_id").orderBy(col("event_time"), col("event_id"));
    Dataset<Row> withPrevious = impressions.withColumn("previous_time", lag(col("event_time"), 1).over(inOrder));
    return withPrevious
        .withColumn("session_seed",
            when(col("previous_time").isNull(), org.apache.spark.sql.functions.coalesce(
                col("stored_session_start"), col("event_time")))
                .when(col("event_time").gt(col("previous_time").plus(SilverImpressions.interval(gap))),
                    col("event_time")))
        .withColumn("session_start", max(col("session_seed")).over(inOrder.rowsBetween(Window.unboundedPreceding(),
            Window.currentRow())))
        .withColumn("session_id", concat_ws("/", col("user_id"), col("session_start").cast("long").cast("string")))
        .drop("previous_time", "session_seed");
  }
}
