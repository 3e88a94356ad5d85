package dev.flywheel.pipelines.ingest;

import dev.flywheel.lakehouse.SharedSpark;
import dev.flywheel.lakehouse.TableCatalog;
import dev.flywheel.lakehouse.TableSpec;
import dev.flywheel.lakehouse.Tables;
import org.apache.spark.sql.SparkSession;

/** Gives each test an empty catalog under the real table names of the shared test session. */
final class BronzeFixture {
  private BronzeFixture() {}

  static SparkSession emptyCatalog() {
    SparkSession spark = SharedSpark.session();
    for (TableSpec table : Tables.all()) {
      spark.sql("DROP TABLE IF EXISTS " + table.qualifiedName());
    }
    TableCatalog.ensureAll(spark, Tables.all());
    return spark;
  }

  static String event(String id, String type, String time, String extra) {
    return "{\"event_id\":\"" + id + "\",\"event_type\":\"" + type + "\",\"event_time\":\"" + time
        + "\",\"user_id\":\"u-1\",\"item_id\":\"i-1\",\"request_id\":\"r-1\"" + extra + "}";
  }
}
