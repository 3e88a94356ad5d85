package dev.flywheel.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.rand;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.lakehouse.SharedSpark;
import java.util.Optional;
import ml.dmlc.xgboost4j.java.Booster;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class XgboostTest {
  private final SparkSession spark = SharedSpark.session();

  @Test
  void warmStartContinuesTheChampionsBoosterAndScoresThroughSpark() throws Exception {
    Dataset<Row> old = Examples.of(spark, 0, 3000, 1);
    Dataset<Row> fresh = Examples.of(spark, 3000, 4500, 2);
    Normalization normalization = Examples.normalization(old.unionByName(fresh));
    TrainConfig config = TrainConfig.defaults(SharedSpark.home().models());
    Dataset<Row> oldRows = Trainer.vectorize(Trainer.labelled(old, "clicked"), normalization).cache();
    Dataset<Row> freshRows = Trainer.vectorize(Trainer.labelled(fresh, "clicked"), normalization).cache();
    double holdoutStart = Examples.START + 4200 * 60;
    Dataset<Row> freshTrain = freshRows.where(col("t").lt(lit(holdoutStart)));
    Dataset<Row> holdout = freshRows.where(col("t").geq(lit(holdoutStart)));
    Booster champion = Xgboost.fit(oldRows, config, Optional.empty());
    freshRows.count(); // cached before the clocks start: they time the boosting, not the feature computation

    long started = System.nanoTime();
    Booster cold = Xgboost.fit(freshTrain, config, Optional.empty());
    double coldSeconds = (System.nanoTime() - started) / 1e9;
    started = System.nanoTime();
    Booster full = Xgboost.fit(oldRows.unionByName(freshTrain), config, Optional.empty());
    double fullSeconds = (System.nanoTime() - started) / 1e9;
    started = System.nanoTime();
    Booster warm = Xgboost.fit(freshTrain, config, Optional.of(champion));
    double warmSeconds = (System.nanoTime() - started) / 1e9;

    System.out.printf("xgboost on the new window: cold %.2f s auc %.4f; full retrain %.2f s auc %.4f;"
        + " warm %.2f s auc %.4f%n", coldSeconds, auc(cold, holdout), fullSeconds, auc(full, holdout),
        warmSeconds, auc(warm, holdout));
    assertEquals(2 * config.xgboost().rounds(), warm.getNumBoostedRound());
    assertEquals(config.xgboost().rounds(), cold.getNumBoostedRound());
    assertTrue(auc(warm, holdout) > 0.75, "warm auc " + auc(warm, holdout));
  }

  /**
   * The same examples stored in another layout (another run's files, or a compaction) give the same booster:
   * XGBoost's histogram bins come from a sketch of the rows in the order they arrive, and a different early
   * split changes every tree after it.
   */
  @Test
  void theBoosterDependsOnTheRowsNotOnTheirOrder() throws Exception {
    // Past about 10,000 rows: below that, XGBoost's sketch is exact whatever the order.
    Dataset<Row> examples = Examples.of(spark, 0, 20000, 1);
    Dataset<Row> rows = Trainer.vectorize(Trainer.labelled(examples, "clicked"), Examples.normalization(examples))
        .cache();
    TrainConfig config = TrainConfig.defaults(SharedSpark.home().models());

    Booster asStored = Xgboost.fit(rows, config, Optional.empty());
    Booster reshuffled = Xgboost.fit(rows.repartition(3).orderBy(rand(11)), config, Optional.empty());

    assertArrayEquals(asStored.toByteArray("ubj"), reshuffled.toByteArray("ubj"));
  }

  private static double auc(Booster booster, Dataset<Row> rows) {
    Dataset<Row> scored = Xgboost.sparkModel(booster).transform(rows)
        .withColumn("p", functions.vector_to_array(col("xgb_probability"), "float64").getItem(1));
    return new BinaryClassificationEvaluator().setRawPredictionCol("p").evaluate(scored);
  }
}
