package dev.flywheel.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.timestamp_seconds;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.lakehouse.SharedSpark;
import dev.flywheel.lakehouse.TableCatalog;
import dev.flywheel.lakehouse.TableSpec;
import dev.flywheel.lakehouse.Tables;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class TrainerTest {
  private static final long START = 1_767_225_600L; // 2026-01-01T00:00:00Z
  private final SparkSession spark = SharedSpark.session();

  /**
   * Impressions one minute apart, 10 per request: the click probability rises with the item's CTR
   * feature and falls with the position; the item's click count (popularity) is noise.
   */
  private Dataset<Row> examples(long from, long to, long seed) {
    Dataset<Row> rows = spark.range(from, to, 1, 2)
        .withColumn("request_id", concat(lit("r"), floor(col("id").divide(10)).cast("string")))
        .withColumn("item_id", concat(lit("i"), col("id").cast("string")))
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

  @Test
  void recoversTheSignalRejectsAFlippedBatchAndAFailedRunChangesNothing() {
    TableSpec spec = Tables.MODEL_VERSIONS.inDatabase(SharedSpark.freshDatabase("trainer"));
    TableCatalog.ensure(spark, spec);
    ModelRegistry registry = ModelRegistry.onDelta(spark, spec.qualifiedName());
    TrainConfig config = TrainConfig.defaults(SharedSpark.home().models());
    Dataset<Row> first = examples(0, 3000, 1);

    long started = System.nanoTime();
    ModelVersion v1 = Trainer.train(first, Map.of("gold.training_examples", 1L), registry, config).orElseThrow();
    System.out.printf("first model in %.1f s: %s%n", (System.nanoTime() - started) / 1e9, v1.metrics());

    Dataset<Row> lastSlice = first.where(col("event_time").geq(timestamp_seconds(lit(START + 2550 * 60))))
        .withColumn("label", col("clicked").cast("double"));
    double popularityAuc = new BinaryClassificationEvaluator().setRawPredictionCol("i_clicks").evaluate(lastSlice);
    assertEquals(ModelStatus.CHAMPION, v1.status(), v1.gateReason());
    assertTrue(v1.metrics().get("auc") > 0.75, "stack auc " + v1.metrics());
    assertTrue(v1.metrics().get("lr.auc") > 0.75 && v1.metrics().get("xgboost.auc") > 0.7, v1.metrics().toString());
    assertTrue(v1.metrics().get("auc") > popularityAuc + 0.15, "popularity auc " + popularityAuc);
    assertTrue(v1.metrics().get("ndcg_at_10") > 0 && v1.metrics().get("mrr") > 0, v1.metrics().toString());

    Dataset<Row> failing = examples(3000, 4500, 2)
        .withColumn("clicked", when(col("position").equalTo(9), raise_error(lit("trainer killed")))
            .otherwise(col("clicked")));
    assertThrows(Exception.class, () -> Trainer.train(failing, Map.of(), registry, config));
    assertEquals(List.of(v1), registry.list());

    long holdoutStart = START + 4200 * 60;
    Dataset<Row> flipped = examples(3000, 4500, 2)
        .withColumn("clicked", when(col("event_time").lt(timestamp_seconds(lit(holdoutStart))), not(col("clicked")))
            .otherwise(col("clicked")));
    ModelVersion v2 = Trainer.train(flipped, Map.of("gold.training_examples", 2L), registry, config).orElseThrow();

    assertEquals(ModelStatus.REJECTED, v2.status(), v2.gateReason());
    assertEquals(1L, v2.parentVersion());
    assertEquals(1L, registry.champion().orElseThrow().version());
    assertTrue(v2.warmStart().get("lr"), v2.warmStart().toString());
  }
}
