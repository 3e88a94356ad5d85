package dev.flywheel.lakehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class MaintenanceTest {
  private final SparkSession spark = SharedSpark.session();

  @Test
  void refusesARetentionBelowSevenDaysWithoutTheOverride() {
    RetentionTooShortException error = assertThrows(RetentionTooShortException.class,
        () -> Maintenance.checkRetention(Duration.ofHours(24), false));

    assertEquals("Refusing to VACUUM with a retention of 24 h: below 168 h it can delete files that running"
        + " readers and time travel still need. Pass --allow-short-retention to do it anyway.", error.getMessage());
  }

  @Test
  void compactsSmallFilesAndClustersByTheDeclaredColumns() {
    String db = SharedSpark.freshDatabase("maintain");
    TableSpec quarantine = Tables.FEEDBACK_QUARANTINE.inDatabase(db);
    TableCatalog.ensure(spark, quarantine);
    for (int i = 0; i < 3; i++) {
      spark.sql("INSERT INTO " + quarantine.qualifiedName() + " (quarantine_id, reason, source_kind, quarantined_at,"
          + " quarantine_date) VALUES ('q" + i + "', 'not_json', 'file', current_timestamp(), current_date())");
    }

    List<Maintenance.Result> results = Maintenance.run(spark, List.of(quarantine), Duration.ofDays(7), false);

    assertEquals(1, results.size());
    assertEquals(List.of("reason"), results.get(0).zorderBy());
    assertTrue(results.get(0).filesRemoved() >= 3, "files removed: " + results.get(0).filesRemoved());
    assertEquals(3, spark.table(quarantine.qualifiedName()).count());
  }
}
