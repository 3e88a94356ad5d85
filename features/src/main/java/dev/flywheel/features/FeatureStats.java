package dev.flywheel.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sqrt;
import static org.apache.spark.sql.functions.sum;

import dev.flywheel.lakehouse.FeatureTransforms;
import dev.flywheel.lakehouse.Tables;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Normalization statistics of the training-example features, kept as running sums so a run adds only
 * its new examples, and the normalization that training and serving both apply with one stored
 * version; the transforms themselves are {@link FeatureTransforms}'s, shared with the trainer. Pure.
 */
public final class FeatureStats {
  /** Transform of count-like features. */
  public static final String LOG1P_ZSCORE = FeatureTransforms.LOG1P_ZSCORE;
  /** Transform of rates, means and recency. */
  public static final String ZSCORE = FeatureTransforms.ZSCORE;

  private FeatureStats() {}

  /** Every normalized feature column of gold.training_examples. */
  public static List<String> features() {
    List<String> features = new ArrayList<>(List.of("position", "hour_of_day", "g_ctr", "g_positive_rate"));
    for (String prefix : Tables.EXAMPLE_PREFIXES) {
      Tables.EXAMPLE_FEATURES.forEach(feature -> features.add(prefix + feature));
    }
    return features;
  }

  /** The transform of one feature: log1p for counts and decayed counts, identity for the rest. */
  public static String transformOf(String feature) {
    return FeatureTransforms.transformOf(feature);
  }

  private static Column transformed(String feature) {
    return FeatureTransforms.transformed(col(feature).cast("double"), transformOf(feature));
  }

  /**
   * The next version's rows: {@code previous} (the latest version's rows, possibly empty) plus the sums
   * of {@code examples}.
   */
  public static Dataset<Row> accumulate(Dataset<Row> examples, Dataset<Row> previous, long version, Timestamp asOf) {
    List<String> features = features();
    List<Column> aggregates = new ArrayList<>();
    for (String feature : features) {
      Column t = transformed(feature);
      aggregates.add(count(t).as(feature + "__n"));
      aggregates.add(sum(t).as(feature + "__sum"));
      aggregates.add(sum(t.multiply(t)).as(feature + "__sum_sq"));
      aggregates.add(min(t).as(feature + "__min"));
      aggregates.add(max(t).as(feature + "__max"));
    }
    String stack = features.stream()
        .map(f -> String.format("'%s', '%s', `%s__n`, `%s__sum`, `%s__sum_sq`, `%s__min`, `%s__max`",
            f, transformOf(f), f, f, f, f, f))
        .collect(Collectors.joining(", ", "stack(" + features.size() + ", ", ")"
            + " AS (feature, transform, n, sum, sum_sq, min, max)"));
    Dataset<Row> batch = examples.agg(aggregates.get(0), aggregates.subList(1, aggregates.size())
        .toArray(Column[]::new)).select(expr(stack));
    Dataset<Row> combined = batch.unionByName(previous.select("feature", "transform", "n", "sum", "sum_sq", "min",
            "max"))
        .groupBy("feature", "transform")
        .agg(sum("n").as("n"), sum("sum").as("sum"), sum("sum_sq").as("sum_sq"), min("min").as("min"),
            max("max").as("max"));
    Column mean = col("sum").divide(col("n"));
    return combined.select(lit(version).as("stats_version"), col("feature"), col("transform"),
        col("n").cast("long").as("n"), col("sum"), col("sum_sq"), col("min"), col("max"), mean.as("mean"),
        sqrt(greatest(col("sum_sq").divide(col("n")).minus(mean.multiply(mean)), lit(0.0))).as("stddev"),
        lit(asOf).as("as_of"));
  }

  /**
   * Adds {@code z_<feature>} to {@code examples} for every row of {@code stats} (one stats version,
   * collected: a few dozen rows): the transform, centred and scaled; 0 for a constant feature.
   */
  public static Dataset<Row> normalize(Dataset<Row> examples, List<Row> stats) {
    Dataset<Row> normalized = examples;
    for (Row row : stats) {
      String feature = row.getAs("feature");
      Double mean = row.getAs("mean");
      Double stddev = row.getAs("stddev");
      if (mean == null) {
        continue;
      }
      normalized = normalized.withColumn("z_" + feature,
          FeatureTransforms.normalized(col(feature).cast("double"), transformOf(feature), mean, stddev));
    }
    return normalized;
  }
}
