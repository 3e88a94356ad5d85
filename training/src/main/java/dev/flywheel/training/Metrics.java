package dev.flywheel.training;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.log2;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Holdout metrics of one score column against the 0/1 {@code label}: ranking quality overall (AUC)
 * and per request (NDCG@10, MRR), probability quality (log loss, calibration error) and the mean
 * prediction the gate's sanity check compares with the label rate. Spark built-ins only.
 */
public final class Metrics {
  private static final double CLIP = 1e-7;

  private Metrics() {}

  /** Area under the ROC curve of any score column (a probability or not) against the 0/1 label. */
  public static double auc(Dataset<Row> scored, String score) {
    return new BinaryClassificationEvaluator().setLabelCol("label").setRawPredictionCol(score)
        .setMetricName("areaUnderROC").evaluate(scored);
  }

  /** auc, log_loss, calibration_error (10 equal-width bins, weighted), ndcg_at_10, mrr, mean_prediction, label_rate. */
  public static Map<String, Double> of(Dataset<Row> scored, String score) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("auc", auc(scored, score));
    var p = least(greatest(col(score), lit(CLIP)), lit(1 - CLIP));
    Row totals = scored.agg(
        avg(when(col("label").equalTo(1), log(p).multiply(-1)).otherwise(log(lit(1).minus(p)).multiply(-1))),
        avg(col(score)), avg(col("label")), count(lit(1))).first();
    metrics.put("log_loss", totals.getDouble(0));
    metrics.put("mean_prediction", totals.getDouble(1));
    metrics.put("label_rate", totals.getDouble(2));
    long n = totals.getLong(3);
    Row calibration = scored.groupBy(least(floor(col(score).multiply(10)), lit(9)).as("bin"))
        .agg(abs(sum(col("label")).minus(sum(col(score)))).as("gap"))
        .agg(sum("gap")).first();
    metrics.put("calibration_error", calibration.getDouble(0) / n);
    var byScore = Window.partitionBy("request_id").orderBy(col(score).desc(), col("item_id"));
    var ideal = Window.partitionBy("request_id").orderBy(col("label").desc(), col("item_id"));
    Row ranking = scored
        .withColumn("rank", row_number().over(byScore))
        .withColumn("ideal_rank", row_number().over(ideal))
        .groupBy("request_id")
        .agg(sum(when(col("rank").leq(10), col("label").divide(log2(col("rank").plus(1)))).otherwise(0)).as("dcg"),
            sum(when(col("ideal_rank").leq(10), col("label").divide(log2(col("ideal_rank").plus(1)))).otherwise(0))
                .as("idcg"),
            max(col("label").divide(col("rank"))).as("rr"))
        .where(col("idcg").gt(0))
        .agg(avg(col("dcg").divide(col("idcg"))), avg("rr")).first();
    metrics.put("ndcg_at_10", ranking.isNullAt(0) ? Double.NaN : ranking.getDouble(0));
    metrics.put("mrr", ranking.isNullAt(1) ? Double.NaN : ranking.getDouble(1));
    return metrics;
  }
}
