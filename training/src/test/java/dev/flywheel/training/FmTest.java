package dev.flywheel.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.rand;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.lakehouse.SharedSpark;
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
   * Clicks that also depend on who the user is (a third of the users click more, a third less), which
   * no feature of the fixture carries: the factorization machine's user weights learn it, the
   * logistic regression over the features cannot.
   */
  @Test
  void learnsAPerUserEffectTheFeaturesMiss() {
    Dataset<Row> examples = Examples.of(spark, 0, 3000, 1)
        .withColumn("user_effect", pmod(col("user_bucket"), lit(3)).minus(1).multiply(1.5))
        .withColumn("clicked", rand(10).lt(lit(1).divide(exp(col("i_ctr").multiply(6).minus(3)
            .minus(col("position").multiply(0.15)).plus(col("user_effect")).multiply(-1)).plus(1))));
    Dataset<Row> rows = Trainer.vectorize(Trainer.labelled(examples, "clicked"), Examples.normalization(examples))
        .cache();
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
}
