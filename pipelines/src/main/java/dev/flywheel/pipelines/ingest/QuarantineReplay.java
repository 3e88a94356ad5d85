package dev.flywheel.pipelines.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.encode;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.flywheel.lakehouse.Tables;
import dev.flywheel.pipelines.contract.FeedbackValidation;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Inspection and replay of {@code bronze.feedback_quarantine}. A quarantined record is
 * <em>resolved</em> once an event from the same source coordinates is in bronze; replay re-validates
 * the open ones (after a fix upstream or in the validation) and lands the now-valid ones exactly
 * once, keeping their original source coordinates.
 */
public final class QuarantineReplay {
  /** The ledger's name of the replay job. */
  public static final String JOB = "quarantine-replay";

  private QuarantineReplay() {}

  /** Quarantined records that no bronze event resolves yet, optionally of one reason. */
  public static Dataset<Row> open(SparkSession spark, Optional<String> reason) {
    Dataset<Row> quarantine = spark.table(Tables.FEEDBACK_QUARANTINE.qualifiedName());
    if (reason.isPresent()) {
      quarantine = quarantine.where(col("reason").equalTo(reason.get()));
    }
    return quarantine.withColumn("source", FeedbackValidation.SOURCE)
        .join(landedSources(spark), col("source").equalTo(col("landed_source")), "left_anti")
        .drop("source");
  }

  /** Counts by reason (all, still open) with a sample record and its detail. */
  public static Dataset<Row> summary(SparkSession spark) {
    Dataset<Row> quarantine = spark.table(Tables.FEEDBACK_QUARANTINE.qualifiedName())
        .withColumn("source", FeedbackValidation.SOURCE);
    Column resolved = col("landed_source").isNotNull();
    return quarantine.join(landedSources(spark).distinct(), col("source").equalTo(col("landed_source")), "left")
        .groupBy("reason")
        .agg(count(lit(1)).as("records"),
            sum(when(resolved, 0).otherwise(1)).as("open"),
            min("quarantined_at").as("first_seen"),
            max("quarantined_at").as("last_seen"),
            first("detail").as("sample_detail"),
            first(col("raw").substr(1, 120)).as("sample_raw"),
            first("source").as("sample_source"))
        .orderBy(col("records").desc());
  }

  /** The source coordinates of every event in bronze: a quarantined record with one of them is resolved. */
  private static Dataset<Row> landedSources(SparkSession spark) {
    return spark.table(Tables.FEEDBACK_EVENTS.qualifiedName()).select(col("source").as("landed_source"));
  }

  /** Raw records rebuilt from open quarantine rows, with their original coordinates. */
  static Dataset<Row> rawRecords(Dataset<Row> openRecords) {
    return openRecords.select(
        encode(col("raw"), "UTF-8").as("payload"),
        col("kafka_key"),
        col("source_kind"),
        col("topic"),
        col("partition"),
        col("offset"),
        col("file"),
        col("line"),
        current_timestamp().as("arrived_at"));
  }

  /** Re-validates the open records (of one reason, if given) and lands the valid ones once. */
  public static BronzeWrites.Landed replay(SparkSession spark, Optional<String> reason) {
    return BronzeWrites.landRecorded(spark, JOB, Map.of("reason", reason.orElse("(all)")),
        session -> rawRecords(open(session, reason)));
  }
}
