package dev.flywheel.app;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.lakehouse.SharedSpark;
import dev.flywheel.lakehouse.TableCatalog;
import dev.flywheel.lakehouse.Tables;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {
  @Test
  void reportsOnlineCtrPerModelVersionWithTheLiftOverRandomAndWritesChartsOffline(@TempDir Path dir)
      throws Exception {
    SparkSession spark = SharedSpark.session();
    TableCatalog.ensureAll(spark, Tables.all());
    String impressions = Tables.IMPRESSIONS.qualifiedName();
    spark.sql("DELETE FROM " + impressions);
    // 100 lists ranked at random with 10% clicks, then 100 by model 1 with 20%.
    Dataset<Row> rows = spark.range(200).select(
        col("id").cast("string").as("request_id"), lit("item").as("item_id"), col("id").cast("string").as("event_id"),
        lit("u").as("user_id"),
        lit("2026-11-23 10:00:00").cast("timestamp").plus(col("id").multiply(60).cast("interval second"))
            .as("event_time"),
        when(col("id").lt(100), "random").otherwise("1").as("model_version"),
        col("id").lt(100).and(col("id").mod(10).equalTo(0))
            .or(col("id").geq(100).and(col("id").mod(5).equalTo(0))).as("clicked"),
        current_timestamp().as("ingested_at"));
    List<Column> shaped = new ArrayList<>();
    for (StructField field : Tables.IMPRESSIONS.schema().fields()) {
      shaped.add(List.of(rows.columns()).contains(field.name()) ? col(field.name()).cast(field.dataType())
          : field.name().equals("event_date") ? to_date(col("event_time")).as("event_date")
          : lit(null).cast(field.dataType()).as(field.name()));
    }
    rows.select(shaped.toArray(Column[]::new)).write().format("delta").mode("append").saveAsTable(impressions);

    StringWriter out = new StringWriter();
    Path html = dir.resolve("loop.html");
    int code = Flywheel.run(new Flywheel(), new PrintWriter(out, true), new PrintWriter(new StringWriter(), true),
        new String[] {"--home=" + SharedSpark.home().root(), "report", "--output", html.toString()});

    assertEquals(0, code, out.toString());
    List<String> lines = out.toString().lines().toList();
    assertTrue(lines.get(1).matches("random\\s+100\\s+0\\.1000\\s+1\\.00x.*"), lines.get(1));
    assertTrue(lines.get(2).matches("1\\s+100\\s+0\\.2000\\s+2\\.00x.*"), lines.get(2));
    String report = Files.readString(html);
    assertTrue(report.contains("Chart.js v4.4.1"), "Chart.js is inlined");
    assertTrue(report.contains("\"modelVersion\":\"1\""), "the data is embedded");
    assertTrue(!report.contains("/*DATA*/") && !report.contains("/*CHART_JS*/"), "every placeholder is filled");
    spark.sql("DELETE FROM " + impressions);
  }
}
