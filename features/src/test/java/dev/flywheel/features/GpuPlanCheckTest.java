package dev.flywheel.features;

import static org.apache.spark.sql.functions.callUDF;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.lakehouse.SharedSpark;
import dev.flywheel.lakehouse.TableCatalog;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

class GpuPlanCheckTest {
  private final SparkSession spark = SharedSpark.session();

  @Test
  void aUdfAboveADeltaScanFailsTheCheckAndBuiltInsPass() {
    String db = SharedSpark.freshDatabase("gpu");
    String table = db + ".numbers";
    spark.range(10).toDF("n").write().format("delta").saveAsTable(table);
    spark.udf().register("plus_one", (UDF1<Long, Long>) n -> n + 1, DataTypes.LongType);

    GpuPlanCheck.Report withUdf = GpuPlanCheck.check(
        Map.of("udf", spark.table(table).select(callUDF("plus_one", col("n")).as("m"))), RapidsJar.fetched());
    GpuPlanCheck.Report builtIns = GpuPlanCheck.check(
        Map.of("sum", spark.table(table).groupBy(col("n").mod(3).as("k")).agg(sum(col("n")))), RapidsJar.fetched());

    assertFalse(withUdf.passes(), withUdf.toString());
    assertTrue(withUdf.fallbacks().stream().anyMatch(f -> f.line().contains("UDF")), withUdf.toString());
    assertFalse(withUdf.scans().isEmpty(), withUdf.toString());
    assertTrue(builtIns.passes(), builtIns.toString());
  }

  @Test
  void everyFeatureQueryCanRunOnTheGpuAboveItsScans() {
    BronzeRows bronze = new BronzeRows("gpujobs");
    TableCatalog.ensureAll(spark, bronze.tables.written());

    GpuPlanCheck.Report report = GpuPlanCheck.check(
        FeatureQueries.all(spark, bronze.tables, BronzeRows.config()), RapidsJar.fetched());

    assertTrue(report.passes(), String.join("\n", report.fallbacks().stream().map(Object::toString).toList()));
    assertFalse(report.scans().isEmpty());
  }
}
