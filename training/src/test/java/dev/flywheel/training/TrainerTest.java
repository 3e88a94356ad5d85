package dev.flywheel.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.timestamp_seconds;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.lakehouse.SharedSpark;
import dev.flywheel.lakehouse.TableCatalog;
import dev.flywheel.lakehouse.TableSpec;
import dev.flywheel.lakehouse.Tables;
import dev.flywheel.serving.model.Candidates;
import dev.flywheel.serving.model.ModelBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;

class TrainerTest {
  private static final long START = Examples.START;
  private final SparkSession spark = SharedSpark.session();

  private Dataset<Row> examples(long from, long to, long seed) {
    return Examples.of(spark, from, to, seed);
  }

  /**
   * The exported bundle, read by serving's ModelBundle from raw features and the ids, gives every
   * holdout row the p_lr, p_xgboost, p_fm, p_ranker and p_stack Spark gave it (the holdout's items are all new:
   * the fm's unseen-bucket path; its users were seen).
   */
  private static void assertBundleScoresAsSpark(ModelVersion version, Dataset<Row> holdout) {
    List<String> features = Trainer.featureColumns();
    List<String> outputs = List.of("p_lr", "p_xgboost", "p_fm", "p_ranker", "p_stack");
    List<String> columns = new ArrayList<>(features);
    columns.addAll(outputs);
    columns.addAll(List.of("user_id", "item_id"));
    List<Row> rows = Trainer.score(holdout, version).select(columns.stream().map(functions::col)
        .toArray(Column[]::new)).collectAsList();
    ModelBundle bundle = ModelBundle.load(Path.of(version.artifactLocation(), "bundle"));
    assertEquals(features, bundle.features());
    Map<String, double[]> scores = new HashMap<>();
    for (int r = 0; r < rows.size(); r++) {
      Row row = rows.get(r);
      double[] raw = new double[features.size()];
      for (int f = 0; f < features.size(); f++) {
        raw[f] = row.isNullAt(f) ? Double.NaN : row.getDouble(f); // NaN: the bundle's null
      }
      int at = r;
      bundle.scoreAll(new Candidates(row.getAs("user_id"), List.of(row.<String>getAs("item_id")), new double[][] {raw}))
          .forEach((output, p) -> scores.computeIfAbsent(output, o -> new double[rows.size()])[at] = p[0]);
    }
    assertEquals(outputs, bundle.outputs());
    for (String output : outputs) {
      double maxDifference = 0;
      for (int r = 0; r < rows.size(); r++) {
        maxDifference = Math.max(maxDifference,
            Math.abs(scores.get(output)[r] - rows.get(r).getDouble(columns.indexOf(output))));
      }
      System.out.printf("bundle vs Spark, %s over %d holdout rows: max |difference| %.3g%n", output, rows.size(),
          maxDifference);
      assertTrue(maxDifference <= 1e-6, output + " differs by " + maxDifference);
    }
  }

  @Test
  void recoversTheSignalRejectsAFlippedBatchAndAFailedRunChangesNothing() {
    TableSpec spec = Tables.MODEL_VERSIONS.inDatabase(SharedSpark.freshDatabase("trainer"));
    TableCatalog.ensure(spark, spec);
    ModelRegistry registry = ModelRegistry.onDelta(spark, spec.qualifiedName(), SharedSpark.home().models());
    TrainConfig config = TrainConfig.defaults(SharedSpark.home().models());
    Dataset<Row> first = examples(0, 3000, 1);

    long started = System.nanoTime();
    ModelVersion v1 = Trainer.train(Examples.inputs(first, 1), registry, config).orElseThrow();
    System.out.printf("first model in %.1f s: %s%n", (System.nanoTime() - started) / 1e9, v1.metrics());

    Dataset<Row> lastSlice = first.where(col("event_time").geq(timestamp_seconds(lit(START + 2550 * 60))))
        .withColumn("label", col("clicked").cast("double"));
    double popularityAuc = new BinaryClassificationEvaluator().setRawPredictionCol("i_clicks").evaluate(lastSlice);
    assertEquals(ModelStatus.CHAMPION, v1.status(), v1.gateReason());
    assertTrue(v1.metrics().get("auc") > 0.75, "stack auc " + v1.metrics());
    assertTrue(v1.metrics().get("lr.auc") > 0.75 && v1.metrics().get("xgboost.auc") > 0.7, v1.metrics().toString());
    assertTrue(v1.metrics().get("fm.auc") > 0.75, v1.metrics().toString());
    assertTrue(v1.metrics().get("ranker.auc") > 0.7, v1.metrics().toString());
    assertTrue(v1.metrics().containsKey("fm.log_loss") && v1.metrics().containsKey("average.auc"), v1.metrics().toString());
    assertTrue(v1.metrics().get("auc") > popularityAuc + 0.15, "popularity auc " + popularityAuc);
    assertTrue(v1.metrics().get("ndcg_at_10") > 0 && v1.metrics().get("mrr") > 0, v1.metrics().toString());
    assertEquals(false, v1.warmStart().get("xgboost"));
    assertEquals(false, v1.warmStart().get("fm"));
    assertEquals(false, v1.warmStart().get("ranker"));
    assertBundleScoresAsSpark(v1, lastSlice);
    // The holdout a benchmark scores again is the one the run evaluated: the same stack AUC.
    assertEquals(v1.metrics().get("auc"), Metrics.auc(Trainer.score(Trainer.fullRunHoldout(first, config), v1),
        "p_stack"), 1e-12);
    for (String file : List.of("manifest.json", "lr.json", "xgboost.json", "fm.json", "ranker.json", "stack.json",
        "model-card.json")) {
      assertTrue(Files.isRegularFile(Path.of(v1.artifactLocation(), "bundle", file)), file);
    }
    // The fixture's users have about 40 training examples each, its items one: the bundle parity above
    // covered known user buckets and unknown item buckets.
    JsonNode fm = Json.read(Path.of(v1.artifactLocation(), "bundle", "fm.json"));
    assertEquals(50, fm.path("users").path("buckets").size(), fm.path("users").toString());
    assertEquals(0, fm.path("items").path("buckets").size());

    Dataset<Row> failing = examples(3000, 4500, 2)
        .withColumn("clicked", when(col("position").equalTo(9), raise_error(lit("trainer killed")))
            .otherwise(col("clicked")));
    assertThrows(Exception.class, () -> Trainer.train(Examples.inputs(failing, 2), registry, config));
    assertEquals(List.of(v1), registry.list());

    long holdoutStart = START + 4200 * 60;
    Dataset<Row> flipped = examples(3000, 4500, 2)
        .withColumn("clicked", when(col("event_time").lt(timestamp_seconds(lit(holdoutStart))), not(col("clicked")))
            .otherwise(col("clicked")));
    ModelVersion v2 = Trainer.train(Examples.inputs(flipped, 2), registry, config).orElseThrow();

    assertEquals(ModelStatus.REJECTED, v2.status(), v2.gateReason());
    assertEquals(1L, v2.parentVersion());
    assertEquals(1L, registry.champion().orElseThrow().version());
    assertTrue(v2.warmStart().get("lr") && v2.warmStart().get("xgboost") && v2.warmStart().get("fm")
        && v2.warmStart().get("ranker"),
        v2.warmStart().toString());
    assertEquals("1", v2.params().get("stats_version"));
    assertEquals(1L, v2.inputVersions().get("gold.feature_stats"));

    // --cold-start: the same champion, window and gate, but no learner continues the champion's models.
    Trainer.Candidate cold = Trainer.fit(Examples.inputs(examples(3000, 4500, 2), 2), registry.champion(),
        config.withColdStart(true)).orElseThrow();
    assertEquals(Map.of("lr", false, "xgboost", false, "fm", false, "ranker", false), cold.warmStart());
    assertTrue(cold.metrics().containsKey("champion.auc"), cold.metrics().toString());
    assertEquals("true", config.withColdStart(true).asParams().get("cold_start"));
    assertTrue(TrainConfig.fromParams(config.withColdStart(true).asParams(), SharedSpark.home().models()).coldStart());
  }
}
