package dev.flywheel.app.report;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.window;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What the closed loop did, from the lakehouse's own tables: online click-through per model version
 * (silver.impressions carries the version that ranked each list), offline holdout metrics per version
 * (ml.model_versions) and ingest lag (ops.ingest_batches). Pure.
 */
public final class LoopMetrics {
  /** The model_version of lists ranked before any model existed. */
  public static final String RANDOM = "random";

  private LoopMetrics() {}

  /** Per model version: impressions, clicked impressions, CTR, and the event-time span it served. */
  public static Dataset<Row> onlineCtrByVersion(Dataset<Row> impressions) {
    return impressions.groupBy(version())
        .agg(count(lit(1)).as("impressions"), clicks().as("clicks"), min("event_time").as("first_served"),
            max("event_time").as("last_served"))
        .withColumn("ctr", col("clicks").divide(col("impressions")))
        .orderBy(col("first_served"));
  }

  /** CTR per model version per event-time bucket of {@code bucketSeconds}, for the chart over time. */
  public static Dataset<Row> onlineCtrOverTime(Dataset<Row> impressions, long bucketSeconds) {
    return impressions.groupBy(version(), window(col("event_time"), bucketSeconds + " seconds").getField("start")
            .as("bucket"))
        .agg(count(lit(1)).as("impressions"), clicks().as("clicks"))
        .withColumn("ctr", col("clicks").divide(col("impressions")))
        .orderBy(col("bucket"), col("model_version"));
  }

  /** Per registered version: status, gate decision, holdout AUC and log loss of the model and its learners. */
  public static Dataset<Row> offlineMetrics(Dataset<Row> modelVersions) {
    return modelVersions.select(col("version"), col("status"), col("gate_decision"), col("created_at"),
            col("metrics").getItem("auc").as("auc"), col("metrics").getItem("log_loss").as("log_loss"),
            col("metrics").getItem("lr.auc").as("lr_auc"), col("metrics").getItem("xgboost.auc").as("xgboost_auc"),
            col("metrics").getItem("ndcg_at_10").as("ndcg_at_10"))
        .orderBy(col("version"));
  }

  /** Per ingest micro-batch: commit time, rows and arrival-to-commit latency. */
  public static Dataset<Row> ingestLag(Dataset<Row> batches) {
    return batches.select(col("committed_at"), col("records"), col("latency_p50_ms"), col("latency_p99_ms"))
        .where(col("records").gt(0))
        .orderBy(col("committed_at"));
  }

  private static Column version() {
    return coalesce(col("model_version"), lit("(none)")).as("model_version");
  }

  private static Column clicks() {
    return sum(when(col("clicked"), 1L).otherwise(0L));
  }
}
