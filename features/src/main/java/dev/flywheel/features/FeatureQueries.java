package dev.flywheel.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Every query of the features job, built with the job's own transformations on the current tables
 * (nothing is written), named by the table it feeds: the input of {@code flywheel gpu-check}.
 */
public final class FeatureQueries {
  private FeatureQueries() {}

  /** The job's queries for a gold slice of one day before now. */
  public static Map<String, Dataset<Row>> all(SparkSession spark, FeatureTables tables, FeatureConfig config) {
    Dataset<Row> events = SilverImpressions.distinctEvents(EventTimeWatermark.withWatermark(
        spark.table(tables.bronze().qualifiedName())
            .withColumn(EventTimeWatermark.COMMIT_VERSION, col("_metadata.row_commit_version")), null));
    Map<String, Dataset<Row>> queries = new LinkedHashMap<>();
    queries.put(tables.impressions() + " (dedupe and sessions)", Sessions.assign(
        SilverImpressions.firstPerKey(SilverImpressions.impressions(events)
            .where(SilverImpressions.inTime(config.allowedLateness())))
            .withColumn("stored_session_start", lit(null).cast("timestamp")), config.sessionGap()));
    queries.put(tables.impressions() + " (attributed labels)", ImpressionLabels.aggregate(
        FeedbackAttribution.classify(FeedbackAttribution.labelFeedback(events), spark.table(tables.impressions()),
            config).where(col("attribution").equalTo(FeedbackAttribution.ATTRIBUTED))));
    Instant now = Instant.now();
    queries.putAll(GoldSteps.queries(spark, tables, config, Timestamp.from(now.minusSeconds(86_400)),
        Timestamp.from(now)));
    return queries;
  }
}
