package dev.flywheel.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.lakehouse.JobRun;
import dev.flywheel.lakehouse.ReadMode;
import dev.flywheel.lakehouse.RunLedger;
import dev.flywheel.lakehouse.SharedSpark;
import dev.flywheel.lakehouse.TableCatalog;
import dev.flywheel.lakehouse.TableSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Incremental runs, late feedback, retries and full recomputes must agree; no feature may leak. */
class FeaturesIncrementalTest {
  private static final double TOLERANCE = 1e-9;
  private final SparkSession spark = SharedSpark.session();

  private static void firstIncrement(BronzeRows bronze) {
    bronze.impression("a1", "10:00:00", "u1", "i1", "r1", "shoes", 0)
        .impression("a2", "10:00:00", "u1", "i2", "r1", "shoes", 1)
        .impression("a3", "10:02:00", "u2", "i1", "r2", null, 0)
        .feedback("c1", "click", "10:01:00", "u1", "i1", "r1", null)
        .feedback("c1b", "click", "10:01:30", "u1", "i1", "r1", null)
        .feedback("s1", "rating", "10:03:00", "u2", "i1", "r2", 5.0)
        .impression("a4", "11:00:00", "u1", "i3", "r3", "shoes", 0)
        .commit();
  }

  private static void secondIncrement(BronzeRows bronze) {
    bronze.lateFeedback("c2", "click", "10:20:00", "u1", "i2", "r1", null, "12:30:00") // late feedback
        .event("a5", "impression", "11:20:00", "u1", "i2", "r5", "shoes", 0, null, BronzeRows.at("12:31:00"))
        .impression("a6", "12:40:00", "u2", "i2", "r6", null, 1)
        .feedback("p1", "purchase", "12:50:00", "u2", "i2", "r6", 20.0)
        .feedback("c3", "click", "13:05:00", "u1", "i1", "r7", null) // its impression comes next run
        .impression("a8", "14:30:00", "u3", "i1", "r8", null, 0)
        .commit();
  }

  private static void thirdIncrement(BronzeRows bronze) {
    bronze.event("a7", "impression", "13:00:00", "u1", "i1", "r7", "shoes", 2, null, BronzeRows.at("15:00:00"))
        .feedback("s2", "rating", "15:10:00", "u3", "i1", "r8", 2.0)
        .impression("a9", "16:00:00", "u1", "i1", "r9", "shoes", 0)
        .feedback("c4", "click", "16:01:00", "u1", "i1", "r9", null)
        .impression("a10", "23:00:00", "u2", "i3", "r10", null, 0)
        .commit();
  }

  /**
   * The shared fixture: three incremental runs (late feedback, feedback whose impression comes a run later, a
   * late impression), their tables, then a full recompute of the same bronze.
   */
  private static final class ThreeIncrementsThenFull {
    static final BronzeRows BRONZE = new BronzeRows("incr");
    static final FeaturesResult LAST_INCREMENT;
    static final Map<String, List<Row>> INCREMENTAL;
    static final FeaturesResult FULL;

    static {
      SparkSession spark = SharedSpark.session();
      FeatureConfig config = BronzeRows.config();
      firstIncrement(BRONZE);
      FeaturesJob.run(spark, BRONZE.tables, config, ReadMode.INCREMENTAL);
      secondIncrement(BRONZE);
      FeaturesJob.run(spark, BRONZE.tables, config, ReadMode.INCREMENTAL);
      thirdIncrement(BRONZE);
      LAST_INCREMENT = FeaturesJob.run(spark, BRONZE.tables, config, ReadMode.INCREMENTAL);
      INCREMENTAL = contents(spark, BRONZE.tables);
      FULL = FeaturesJob.run(spark, BRONZE.tables, config, ReadMode.FULL);
    }
  }

  @Test
  void threeIncrementsWithLateFeedbackEqualAFullRecompute() {
    BronzeRows bronze = ThreeIncrementsThenFull.BRONZE;

    assertEquals(ThreeIncrementsThenFull.LAST_INCREMENT.frontier(), ThreeIncrementsThenFull.FULL.frontier());
    assertEquals(9, ThreeIncrementsThenFull.INCREMENTAL.get(bronze.tables.examples()).size(),
        ThreeIncrementsThenFull.INCREMENTAL.toString());
    assertSameContents(ThreeIncrementsThenFull.INCREMENTAL, contents(spark, bronze.tables));
  }

  /**
   * Checked on the full recompute of the fixture: the incremental runs produce the same tables (the test above),
   * so no feature of theirs leaks either.
   */
  @Test
  void noFeatureSeesItsOwnClickOrAnyLaterEvent() {
    BronzeRows bronze = ThreeIncrementsThenFull.BRONZE;

    Map<String, Row> examples = new LinkedHashMap<>();
    for (Row row : spark.table(bronze.tables.examples()).collectAsList()) {
      examples.put(row.getAs("request_id") + "/" + row.getAs("item_id"), row);
    }
    Row first = examples.get("r1/i1");
    assertEquals(true, first.getAs("clicked"));
    assertEquals(0.0, (double) first.getAs("u_impressions"), "an impression at the same instant is not before");
    assertEquals(0.0, (double) first.getAs("u_clicks"), "its own click is after it");
    assertNull(first.getAs("i_last_rating"), "no rating yet");
    Row sameRequest = examples.get("r1/i2");
    assertEquals(0.0, (double) sameRequest.getAs("u_clicks"), "the click at 10:01 is after 10:00");
    Row later = examples.get("r2/i1");
    assertEquals(1.0, (double) later.getAs("i_impressions"), "10:00 is before 10:02");
    assertEquals(1.0, (double) later.getAs("i_clicks"), "the click at 10:01 is before 10:02");
    assertEquals(0.0, (double) later.getAs("u_impressions"));
    assertEquals(1.0, (double) examples.get("r5/i2").getAs("i_clicks"), "late feedback, but before 11:20");
    Row afterRating = examples.get("r8/i1");
    assertEquals(1.0, (double) afterRating.getAs("i_ratings"), "the rating at 15:10 is after 14:30");
    assertEquals(5.0, (double) afterRating.getAs("i_avg_rating"));
    assertEquals(5.0, (double) afterRating.getAs("i_last_rating"));
    Row lastOne = examples.get("r9/i1");
    assertEquals(2.0, (double) lastOne.getAs("i_ratings"));
    assertEquals(3.5, (double) lastOne.getAs("i_avg_rating"));
    assertEquals(2.0, (double) lastOne.getAs("i_last_rating"), "the latest rating (15:10), not the highest");
    assertTrue((double) lastOne.getAs("i_decayed_positive_rate_short") < (double) lastOne.getAs("i_positive_rate"),
        "the recent negative rating weighs more than the older positive one");
    for (String halfLife : FeatureConfig.HALF_LIFE_NAMES) {
      double decayedClicks = lastOne.getAs("i_decayed_clicks_" + halfLife);
      double decayedImpressions = lastOne.getAs("i_decayed_impressions_" + halfLife);
      assertEquals((decayedClicks + 20 * (double) lastOne.getAs("i_ctr")) / (decayedImpressions + 20),
          (double) lastOne.getAs("i_decayed_ctr_" + halfLife), 1e-12, "the recent CTR of half-life " + halfLife);
    }
    assertEquals(2.0, (double) lastOne.getAs("i_clicks"), "10:01 and 13:05, not its own at 16:01");
    assertEquals(true, lastOne.getAs("clicked"));
    assertEquals(9, examples.size(), "a10 at 23:00 is after the frontier");
  }

  @Test
  void aSilverOnlyRunLeavesGoldToTheNextRunWhichBuildsTheSameTables() {
    BronzeRows bronze = new BronzeRows("silver_only");
    FeatureConfig config = BronzeRows.config();
    firstIncrement(bronze);
    FeaturesResult first = FeaturesJob.run(spark, bronze.tables, config, ReadMode.INCREMENTAL);
    long examplesAfterFirst = spark.table(bronze.tables.examples()).count();
    secondIncrement(bronze);

    FeaturesResult silverOnly = FeaturesJob.run(spark, bronze.tables, config, ReadMode.INCREMENTAL,
        FeaturesJob.Scope.SILVER);

    assertEquals(0, silverOnly.examples());
    assertEquals(first.frontier(), silverOnly.frontier(), "gold's frontier stays");
    assertEquals(examplesAfterFirst, spark.table(bronze.tables.examples()).count());
    assertEquals(1, spark.table(bronze.tables.impressions()).where("request_id = 'r6' AND purchased").count(),
        "the second batch's purchase is attributed to its impression");
    assertEquals("silver", silverOnly.run().params().get("scope"));

    thirdIncrement(bronze);
    FeaturesJob.run(spark, bronze.tables, config, ReadMode.INCREMENTAL);
    assertSameContents(ThreeIncrementsThenFull.INCREMENTAL, contents(spark, bronze.tables));
  }

  @Test
  void aRetryAfterACrashBetweenWritesAndTheLedgerEntryDoesNotCountTwice() {
    BronzeRows bronze = new BronzeRows("crash");
    FeatureConfig config = BronzeRows.config();
    firstIncrement(bronze);
    secondIncrement(bronze);
    TableCatalog.ensureAll(spark, bronze.tables.written());
    JobRun dying = RunLedger.onDelta(spark, bronze.tables.ledger()).start(FeaturesJob.NAME, ReadMode.INCREMENTAL,
        List.of(bronze.tables.bronze().qualifiedName()), config.params());
    new FeaturesJob.Body(bronze.tables, config, ReadMode.INCREMENTAL, FeaturesJob.Scope.SILVER_AND_GOLD).apply(dying);
    Map<String, List<Row>> committed = contents(spark, bronze.tables);
    // The process dies here: its writes are committed, its ledger entry is not.

    FeaturesResult retry = FeaturesJob.run(spark, bronze.tables, config, ReadMode.INCREMENTAL);

    assertEquals(dying.record().sequence(), retry.run().sequence());
    assertEquals(2, retry.run().attempt());
    assertSameContents(committed, contents(spark, bronze.tables));
  }

  private static Map<String, List<Row>> contents(SparkSession spark, FeatureTables tables) {
    Map<String, List<Row>> contents = new LinkedHashMap<>();
    for (TableSpec spec : tables.written()) {
      Dataset<Row> rows = spark.table(spec.qualifiedName());
      if (spec.name().equals("feature_stats")) {
        rows = rows.where("stats_version = (SELECT max(stats_version) FROM " + spec.qualifiedName() + ")");
      }
      String[] columns = rows.columns();
      contents.put(spec.qualifiedName(), rows.orderBy(columns[0], java.util.Arrays.copyOfRange(columns, 1,
          Math.min(columns.length, 3))).collectAsList());
    }
    return contents;
  }

  /** Compares table by table, in the order of {@code written()}: the two maps may be of two test databases. */
  private static void assertSameContents(Map<String, List<Row>> expected, Map<String, List<Row>> actual) {
    List<String> expectedTables = List.copyOf(expected.keySet());
    List<String> actualTables = List.copyOf(actual.keySet());
    assertEquals(expectedTables.size(), actualTables.size());
    for (int t = 0; t < expectedTables.size(); t++) {
      String table = actualTables.get(t);
      assertEquals(unqualified(expectedTables.get(t)), unqualified(table));
      List<Row> want = expected.get(expectedTables.get(t));
      List<Row> got = actual.get(table);
      assertEquals(want.size(), got.size(), table + " rows: " + want + " vs " + got);
      for (int r = 0; r < want.size(); r++) {
        for (int c = 0; c < want.get(r).size(); c++) {
          Object a = want.get(r).get(c);
          Object b = got.get(r).get(c);
          String where = table + " row " + r + " column " + want.get(r).schema().fields()[c].name();
          if (a instanceof Double x && b instanceof Double y) {
            assertEquals(x, y, TOLERANCE * Math.max(1, Math.abs(x)), where);
          } else {
            assertEquals(a, b, where + ": " + want.get(r) + " vs " + got.get(r));
          }
        }
      }
    }
  }

  private static String unqualified(String table) {
    return table.substring(table.lastIndexOf('.') + 1);
  }
}
