package dev.flywheel.training;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.stddev_pop;
import static org.apache.spark.sql.functions.timestamp_seconds;
import static org.apache.spark.sql.functions.xxhash64;

import dev.flywheel.lakehouse.FeatureTransforms;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Synthetic training examples and their normalization, shared by the training tests. */
final class Examples {
  static final long START = 1_767_225_600L; // 2026-01-01T00:00:00Z

  private Examples() {}

  /**
   * Impressions one minute apart, 10 per request, by 50 users with hashed ids as the features job
   * hashes them (every item id is new): the click probability rises with the item's CTR feature and
   * falls with the position; the item's click count (popularity) is noise.
   */
  static Dataset<Row> of(SparkSession spark, long from, long to, long seed) {
    Dataset<Row> rows = spark.range(from, to, 1, 2)
        .withColumn("request_id", concat(lit("r"), floor(col("id").divide(10)).cast("string")))
        .withColumn("item_id", concat(lit("i"), col("id").cast("string")))
        .withColumn("user_id", concat(lit("u"), floor(rand(seed + 4).multiply(50)).cast("string")))
        .withColumn("user_bucket", pmod(xxhash64(col("user_id")), lit(BundleFeatureConfig.DEFAULT.hashBuckets())))
        .withColumn("item_bucket", pmod(xxhash64(col("item_id")), lit(BundleFeatureConfig.DEFAULT.hashBuckets())))
        .withColumn("event_time", timestamp_seconds(col("id").multiply(60).plus(START)))
        .withColumn("position", col("id").mod(10).cast("int"))
        .withColumn("hour_of_day", lit(12))
        .withColumn("i_ctr", rand(seed))
        .withColumn("u_ctr", rand(seed + 1))
        .withColumn("i_clicks", floor(rand(seed + 2).multiply(100)).cast("double"))
        .withColumn("logit", col("i_ctr").multiply(6).minus(3).minus(col("position").multiply(0.15)))
        .withColumn("clicked", rand(seed + 3).lt(lit(1).divide(exp(col("logit").multiply(-1)).plus(1))));
    for (String feature : Trainer.featureColumns()) {
      if (!List.of(rows.columns()).contains(feature)) {
        rows = rows.withColumn(feature, lit(null).cast("double"));
      }
    }
    return rows.drop("id", "logit");
  }

  /** The normalization gold.feature_stats would hold for {@code examples}: statistics of the non-null t(x). */
  static Normalization normalization(Dataset<Row> examples) {
    Map<String, Normalization.Scale> scales = new LinkedHashMap<>();
    for (String feature : Trainer.featureColumns()) {
      String transform = FeatureTransforms.transformOf(feature);
      Row stats = examples.agg(avg(FeatureTransforms.transformed(col(feature).cast("double"), transform)),
          stddev_pop(FeatureTransforms.transformed(col(feature).cast("double"), transform))).first();
      scales.put(feature, new Normalization.Scale(transform, stats.isNullAt(0) ? 0 : stats.getDouble(0),
          stats.isNullAt(1) ? 0 : stats.getDouble(1)));
    }
    return new Normalization(scales);
  }

  /** Training inputs with the examples' own normalization as stats version 1. */
  static TrainingInputs inputs(Dataset<Row> examples, long examplesVersion) {
    return new TrainingInputs(examples, normalization(examples), 1, BundleFeatureConfig.DEFAULT,
        Map.of("gold.training_examples", examplesVersion, "gold.feature_stats", 1L));
  }
}
