package dev.flywheel.training;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.rand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.lakehouse.SharedSpark;
import java.util.Optional;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class FmTest {
  private final SparkSession spark = SharedSpark.session();

  /**
   * Clicks that also depend on who the user is: the factorization machine's user weights learn it, the
   * logistic regression over the features cannot.
   */
  @Test
  void learnsAPerUserEffectTheFeaturesMiss() {
    Dataset<Row> rows = withUserEffect();
    Dataset<Row> train = rows.where(col("t").lt(lit(Examples.START + 2550 * 60)));
    Dataset<Row> holdout = rows.where(col("t").geq(lit(Examples.START + 2550 * 60)));

    long started = System.nanoTime();
    PipelineModel fm = Fm.fit(train, Fm.Settings.DEFAULT);
    double seconds = (System.nanoTime() - started) / 1e9;
    double fmAuc = Metrics.auc(Fm.score(fm, holdout), "p_fm");
    double lrAuc = new BinaryClassificationEvaluator().evaluate(new LogisticRegression().fit(train).transform(holdout));

    System.out.printf("fm trained in %.1f s: holdout auc %.4f, features-only lr %.4f%n", seconds, fmAuc, lrAuc);
    assertTrue(fmAuc > lrAuc + 0.03 && fmAuc > 0.8, "fm auc " + fmAuc + ", lr auc " + lrAuc);
    rows.unpersist();
  }

  /**
   * A warm start begins exactly at the champion (with no step, every score is the champion's) and, in
   * its fewer steps on the next slice, learns about as well as a cold fit's full steps.
   */
  @Test
  void aWarmStartBeginsAtTheChampionAndContinuesInFewerSteps() {
    Dataset<Row> rows = withUserEffect();
    Dataset<Row> first = rows.where(col("t").lt(lit(Examples.START + 1500 * 60)));
    Dataset<Row> next = rows.where(col("t").geq(lit(Examples.START + 1500 * 60))
        .and(col("t").lt(lit(Examples.START + 2550 * 60))));
    Dataset<Row> holdout = rows.where(col("t").geq(lit(Examples.START + 2550 * 60)));
    PipelineModel champion = Fm.fit(first, Fm.Settings.DEFAULT);
    assertTrue(Fm.canContinue(champion, Fm.Settings.DEFAULT));
    assertFalse(Fm.canContinue(champion, new Fm.Settings(4, 0.05, 0.001, 100, 30, 20)), "another factor size");

    PipelineModel unmoved = Fm.fit(first, Fm.Settings.DEFAULT.withWarmStartMaxIter(0), Optional.of(champion));
    Row largestGap = Fm.score(unmoved, Fm.score(champion, holdout).withColumnRenamed("p_fm", "p_champion"))
        .agg(max(abs(col("p_fm").minus(col("p_champion"))))).first();
    assertEquals(0, largestGap.getDouble(0), 1e-12, "a warm start with no step scores as the champion");

    long started = System.nanoTime();
    double continuedAuc = Metrics.auc(Fm.score(Fm.fit(next, Fm.Settings.DEFAULT, Optional.of(champion)), holdout),
        "p_fm");
    double continuedSeconds = (System.nanoTime() - started) / 1e9;
    started = System.nanoTime();
    double coldAuc = Metrics.auc(Fm.score(Fm.fit(next, Fm.Settings.DEFAULT), holdout), "p_fm");
    double coldSeconds = (System.nanoTime() - started) / 1e9;
    System.out.printf("fm on the next slice: continued auc %.4f in %.1f s, cold %.4f in %.1f s%n", continuedAuc,
        continuedSeconds, coldAuc, coldSeconds);
    assertTrue(continuedAuc > coldAuc - 0.01 && continuedAuc > 0.8, "continued " + continuedAuc + ", cold " + coldAuc);
    rows.unpersist();
  }

  /**
   * Vectorized examples whose clicks also depend on who the user is (a third of the users click more, a
   * third less), which no feature of the fixture carries.
   */
  private Dataset<Row> withUserEffect() {
    Dataset<Row> examples = Examples.of(spark, 0, 3000, 1)
        .withColumn("user_effect", pmod(col("user_bucket"), lit(3)).minus(1).multiply(1.5))
        .withColumn("clicked", rand(10).lt(lit(1).divide(exp(col("i_ctr").multiply(6).minus(3)
            .minus(col("position").multiply(0.15)).plus(col("user_effect")).multiply(-1)).plus(1))));
    return Trainer.vectorize(Trainer.labelled(examples, "clicked"), Examples.normalization(examples)).cache();
  }
}
