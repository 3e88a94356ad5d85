package dev.flywheel.features;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;

import java.sql.Timestamp;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * The event-time watermark bronze rows are judged against: for a row, the latest {@code event_time}
 * of the bronze commits strictly before its own commit. Lateness is measured in event time, not on the
 * ingest clock, so a historical load committed at once is entirely on time, and an event is late only
 * when events far past it had already landed. Depends only on bronze's rows and commit versions, so an
 * incremental run and a full recompute judge every row alike. Pure.
 */
public final class EventTimeWatermark {
  /** The Delta version of the bronze commit that inserted a row. */
  public static final String COMMIT_VERSION = "commit_version";

  /** The column {@link #withWatermark} adds. */
  public static final String WATERMARK = "watermark";

  private EventTimeWatermark() {}

  /**
   * Adds {@code watermark} to every bronze row of {@code events} (which needs {@code commit_version}):
   * the latest {@code event_time} among the rows of earlier commits of {@code events} and {@code before}.
   *
   * @param before the latest {@code event_time} of every bronze commit before those of {@code events}, or
   *     null when there was none
   */
  public static Dataset<Row> withWatermark(Dataset<Row> events, Timestamp before) {
    WindowSpec byCommit = Window.orderBy(COMMIT_VERSION);
    Dataset<Row> commits = events.groupBy(COMMIT_VERSION).agg(max(col("event_time")).as("commit_latest"))
        .withColumn("through_commit", max(col("commit_latest")).over(
            byCommit.rowsBetween(Window.unboundedPreceding(), Window.currentRow())))
        .withColumn(WATERMARK, greatest(lit(before).cast("timestamp"), lag(col("through_commit"), 1).over(byCommit)))
        .select(COMMIT_VERSION, WATERMARK);
    return events.join(broadcast(commits), Joins.on(COMMIT_VERSION));
  }

  /** The later of {@code seen} and {@code latest} (the latest event time of a batch), either possibly null. */
  public static Timestamp later(Timestamp seen, Timestamp latest) {
    if (seen == null) {
      return latest;
    }
    return latest == null || seen.after(latest) ? seen : latest;
  }
}
