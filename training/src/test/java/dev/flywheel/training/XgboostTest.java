package dev.flywheel.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
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
  void earlyStoppingKeepsTheBestRoundAndWarmStartContinuesTheChampionsBooster() throws Exception {
    Dataset<Row> old = Examples.of(spark, 0, 3000, 1);
    Dataset<Row> fresh = Examples.of(spark, 3000, 4500, 2);
    Normalization normalization = Examples.normalization(old.unionByName(fresh));
    TrainConfig config = TrainConfig.defaults(SharedSpark.home().models());
    Dataset<Row> oldRows = Trainer.vectorize(Trainer.labelled(old, "clicked"), normalization).cache();
    Dataset<Row> freshRows = Trainer.vectorize(Trainer.labelled(fresh, "clicked"), normalization).cache();
    double validationStart = Examples.START + 4000 * 60;
    double holdoutStart = Examples.START + 4200 * 60;
    Dataset<Row> freshTrain = freshRows.where(col("t").lt(lit(validationStart)));
    Dataset<Row> validation = freshRows.where(col("t").geq(lit(validationStart)).and(col("t").lt(lit(holdoutStart))));
    Dataset<Row> holdout = freshRows.where(col("t").geq(lit(holdoutStart)));
    Booster champion = Xgboost.fit(oldRows, validation, config, Optional.empty());
    int championTrees = champion.getNumBoostedRound();
    freshRows.count(); // cached before the clocks start: they time the boosting, not the feature computation

    long started = System.nanoTime();
    Booster cold = Xgboost.fit(freshTrain, validation, config, Optional.empty());
    double coldSeconds = (System.nanoTime() - started) / 1e9;
    started = System.nanoTime();
    Booster full = Xgboost.fit(oldRows.unionByName(freshTrain), validation, config, Optional.empty());
    double fullSeconds = (System.nanoTime() - started) / 1e9;
    started = System.nanoTime();
    Booster warm = Xgboost.fit(freshTrain, validation, config, Optional.of(champion));
    double warmSeconds = (System.nanoTime() - started) / 1e9;

    System.out.printf("xgboost on the new window: cold %.2f s %d trees auc %.4f; full retrain %.2f s auc %.4f;"
        + " warm %.2f s %d trees (champion %d) auc %.4f%n", coldSeconds, cold.getNumBoostedRound(), auc(cold, holdout),
        fullSeconds, auc(full, holdout), warmSeconds, warm.getNumBoostedRound(), championTrees, auc(warm, holdout));
    assertTrue(warm.getNumBoostedRound() > championTrees, "warm start adds trees to the champion's");
    int coldTrees = cold.getNumBoostedRound();
    assertTrue(coldTrees < config.xgboost().rounds(), "early stopping stopped before " + config.xgboost().rounds());
    TrainConfig.XgboostSettings settings = config.xgboost();
    TrainConfig pastTheBest = config.withXgboost(new TrainConfig.XgboostSettings(
        coldTrees + settings.earlyStoppingRounds(), settings.maxDepth(), settings.eta(), settings.minChildWeight(),
        settings.subsample(), settings.colsampleByTree(), 0));
    Booster longer = Xgboost.fit(freshTrain, validation, pastTheBest, Optional.empty());
    assertTrue(logLoss(cold, validation) <= logLoss(longer, validation), "the kept round has the lowest validation"
        + " log loss: " + logLoss(cold, validation) + " against " + logLoss(longer, validation) + " after "
        + settings.earlyStoppingRounds() + " more rounds");
    assertTrue(auc(warm, holdout) > 0.75, "warm auc " + auc(warm, holdout));
  }

  private static double logLoss(Booster booster, Dataset<Row> rows) {
    return Metrics.of(probabilities(booster, rows), "p").get("log_loss");
  }

  private static Dataset<Row> probabilities(Booster booster, Dataset<Row> rows) {
    return Xgboost.sparkModel(booster).transform(rows)
        .withColumn("p", functions.vector_to_array(col("xgb_probability"), "float64").getItem(1));
  }

  private static double auc(Booster booster, Dataset<Row> rows) {
    return new BinaryClassificationEvaluator().setRawPredictionCol("p").evaluate(probabilities(booster, rows));
  }
}
