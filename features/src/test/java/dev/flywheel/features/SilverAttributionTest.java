package dev.flywheel.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.flywheel.lakehouse.ReadMode;
import dev.flywheel.lakehouse.SharedSpark;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class SilverAttributionTest {
  private final SparkSession spark = SharedSpark.session();

  private Row impression(FeatureTables tables, String request, String item) {
    return spark.table(tables.impressions())
        .where("request_id = '" + request + "' AND item_id = '" + item + "'").collectAsList().get(0);
  }

  @Test
  void countsClicksInTheWindowOnceAndReportsTheRest() {
    BronzeRows bronze = new BronzeRows("attr");
    bronze.impression("i1", "10:00:00", "u1", "a", "r1", "shoes", 0)
        .impression("i1", "10:00:00", "u1", "a", "r1", "shoes", 0) // resent: same event
        .impression("i1-dup", "10:00:05", "u1", "a", "r1", "shoes", 0) // second impression of the key
        .impression("i2", "10:00:00", "u1", "b", "r1", "shoes", 1)
        .impression("i3", "10:00:00", "u1", "c", "r1", "shoes", 2)
        .impression("i4", "10:00:00", "u2", "a", "r2", null, 0)
        .feedback("c1", "click", "10:05:00", "u1", "a", "r1", null)
        .feedback("c2", "click", "10:06:00", "u1", "a", "r1", null) // a second click: clicked once
        .feedback("c3", "click", "10:45:00", "u1", "b", "r1", null) // outside the 30 min window
        .feedback("c4", "click", "09:59:00", "u1", "c", "r1", null) // before its impression
        .feedback("c5", "click", "10:07:00", "u9", "z", "r9", null) // unknown impression
        .feedback("p1", "purchase", "10:50:00", "u1", "a", "r1", 30.0)
        .feedback("p2", "purchase", "11:10:00", "u1", "b", "r1", 30.0) // outside the 1 h window
        .feedback("s1", "rating", "10:20:00", "u1", "a", "r1", 3.0)
        .feedback("s2", "rating", "10:30:00", "u1", "a", "r1", 5.0)
        .feedback("d1", "dwell", "10:06:00", "u1", "a", "r1", 12.0)
        .feedback("d2", "dwell", "10:08:00", "u1", "a", "r1", 8.0)
        .impression("i5", "13:31:00", "u3", "a", "r3", null, 0) // moves the event-time watermark to 13:31
        .commit();
    // In time by the ingest clock, but it lands after events of 13:31: past 10:00 + 30 min window + 3 h lateness.
    bronze.feedback("c6", "click", "10:10:00", "u2", "a", "r2", null).commit();

    FeaturesResult result = FeaturesJob.run(spark, bronze.tables, BronzeRows.config(), ReadMode.INCREMENTAL);

    assertEquals(7, result.feedback().get(FeedbackAttribution.ATTRIBUTED));
    assertEquals(2, result.feedback().get(FeedbackAttribution.OUTSIDE_WINDOW));
    assertEquals(1, result.feedback().get(FeedbackAttribution.BEFORE_IMPRESSION));
    assertEquals(1, result.feedback().get(FeedbackAttribution.UNKNOWN_IMPRESSION));
    assertEquals(1, result.feedback().get(FeedbackAttribution.TOO_LATE));
    assertEquals(1, result.feedback().get("duplicate_clicks"));
    assertEquals(5, spark.table(bronze.tables.impressions()).count());
    Row a = impression(bronze.tables, "r1", "a");
    assertEquals("i1", a.getAs("event_id"));
    assertEquals(true, a.getAs("clicked"));
    assertEquals(2L, (long) a.getAs("clicks"));
    assertEquals(Timestamp.from(BronzeRows.at("10:05:00")), a.getAs("first_click_time"));
    assertEquals(true, a.getAs("purchased"));
    assertEquals(5.0, (double) a.getAs("rating"));
    assertEquals(20.0, (double) a.getAs("dwell_seconds"));
    assertEquals("mobile", a.getAs("device"));
    assertEquals(false, impression(bronze.tables, "r1", "b").getAs("clicked"));
    assertEquals(false, impression(bronze.tables, "r1", "b").getAs("purchased"));
    assertEquals(false, impression(bronze.tables, "r1", "c").getAs("clicked"));
    assertEquals(false, impression(bronze.tables, "r2", "a").getAs("clicked"));
    assertNull(impression(bronze.tables, "r2", "a").getAs("first_click_time"));
    assertEquals(List.of("c5"), spark.table(bronze.tables.unattributed()).select("event_id")
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
  }

  @Test
  void lateFeedbackUpdatesItsImpressionAndWaitingFeedbackMeetsItsLateImpression() {
    BronzeRows bronze = new BronzeRows("late");
    bronze.impression("i1", "10:00:00", "u1", "a", "r1", null, 0)
        .feedback("c9", "click", "10:40:00", "u1", "q", "r7", null) // its impression comes in the next run
        .commit();
    FeaturesJob.run(spark, bronze.tables, BronzeRows.config(), ReadMode.INCREMENTAL);
    bronze.lateFeedback("c1", "click", "10:10:00", "u1", "a", "r1", null, "12:00:00")
        .event("i7", "impression", "10:25:00", "u1", "q", "r7", null, 3, null, BronzeRows.at("12:00:00"))
        .commit();

    FeaturesResult second = FeaturesJob.run(spark, bronze.tables, BronzeRows.config(), ReadMode.INCREMENTAL);

    assertEquals(true, impression(bronze.tables, "r1", "a").getAs("clicked"));
    assertEquals(true, impression(bronze.tables, "r7", "q").getAs("clicked"));
    assertEquals(1, second.feedback().get("pending_" + FeedbackAttribution.ATTRIBUTED));
    assertEquals(0, spark.table(bronze.tables.unattributed()).count());
    assertEquals("u1/" + BronzeRows.at("10:00:00").getEpochSecond(),
        impression(bronze.tables, "r7", "q").getAs("session_id"));
  }

  @Test
  void aHistoricalLoadInOneCommitIsOnTimeAndReachesGoldOverManyAnchorSpans() {
    BronzeRows bronze = new BronzeRows("history");
    Instant landed = BronzeRows.onDay(400, "00:00:00"); // a year later by the ingest clock
    // The short half-life (1 h) spans 256 h per anchor from day 0: day 10 16:00 starts the second.
    bronze.event("a0", "impression", BronzeRows.onDay(0, "00:00:00"), "u1", "i1", "r0", null, 0, null, landed)
        .event("a1", "impression", BronzeRows.onDay(10, "15:30:00"), "u1", "i2", "r1", null, 0, null, landed)
        .event("c1", "click", BronzeRows.onDay(10, "15:40:00"), "u1", "i2", "r1", null, null, null, landed)
        .event("a2", "impression", BronzeRows.onDay(10, "16:30:00"), "u1", "i3", "r2", null, 0, null, landed)
        .event("a3", "impression", BronzeRows.onDay(30, "00:00:00"), "u2", "i1", "r3", null, 0, null, landed)
        .commit();

    FeaturesResult result = FeaturesJob.run(spark, bronze.tables, BronzeRows.config(), ReadMode.INCREMENTAL);

    assertEquals(1, result.feedback().get(FeedbackAttribution.ATTRIBUTED));
    assertNull(result.feedback().get(FeedbackAttribution.TOO_LATE));
    assertEquals(0, result.feedback().get("late_impressions"));
    assertEquals(Timestamp.from(BronzeRows.onDay(30, "00:00:00").minus(Duration.ofHours(4))), result.frontier());
    assertEquals(3, result.examples(), "every impression before day 30 - (1 h window + 3 h lateness)");
    Row last = spark.table(bronze.tables.examples()).where("request_id = 'r2'").head();
    assertEquals(2.0, (double) last.getAs("u_impressions"));
    assertEquals(0.5, (double) last.getAs("u_decayed_impressions_short"), 1e-12,
        "1 h before, carried across the anchor; day 0 weighs 2^-256.5");
    assertEquals(Math.pow(2, -50.0 / 60), (double) last.getAs("u_decayed_clicks_short"), 1e-12);
    assertEquals(Math.pow(2, -1.0 / 24) + Math.pow(2, -256.5 / 24), (double) last.getAs("u_decayed_impressions_mid"),
        1e-12);
  }
}
