package dev.flywheel.features;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flywheel.lakehouse.SharedSpark;
import dev.flywheel.lakehouse.Tables;
import java.sql.Timestamp;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class FeatureStatsTest {
  private final SparkSession spark = SharedSpark.session();

  private Dataset<Row> examples(double... userImpressions) {
    StructType schema = Tables.TRAINING_EXAMPLES.schema();
    List<Row> rows = new java.util.ArrayList<>();
    for (double impressions : userImpressions) {
      Object[] values = new Object[schema.size()];
      values[schema.fieldIndex("u_impressions")] = impressions;
      values[schema.fieldIndex("u_ctr")] = impressions / 10;
      rows.add(RowFactory.create(values));
    }
    return spark.createDataFrame(rows, schema.asNullable());
  }

  private static Row stat(List<Row> stats, String feature) {
    return stats.stream().filter(r -> r.getAs("feature").equals(feature)).findFirst().orElseThrow();
  }

  @Test
  void addsNewExamplesToTheRunningStatisticsAndNormalizesWithThem() {
    Dataset<Row> empty = spark.createDataFrame(List.of(), Tables.FEATURE_STATS.schema());
    Timestamp asOf = Timestamp.valueOf("2026-11-22 10:00:00");
    List<Row> first = FeatureStats.accumulate(examples(0, Math.E - 1), empty, 1, asOf).collectAsList();
    List<Row> both = FeatureStats.accumulate(examples(Math.E * Math.E - 1),
        spark.createDataFrame(first, Tables.FEATURE_STATS.schema().asNullable()), 2, asOf).collectAsList();

    Row counts = stat(both, "u_impressions");
    assertEquals(FeatureStats.LOG1P_ZSCORE, counts.getAs("transform"));
    assertEquals(3L, (long) counts.getAs("n"));
    assertEquals(1.0, (double) counts.getAs("mean"), 1e-12);
    assertEquals(Math.sqrt(2.0 / 3), (double) counts.getAs("stddev"), 1e-12);
    assertEquals(FeatureStats.ZSCORE, stat(both, "u_ctr").getAs("transform"));
    Row normalized = FeatureStats.normalize(examples(Math.E - 1), both).head();
    assertEquals(0.0, (double) normalized.getAs("z_u_impressions"), 1e-12);
  }
}
