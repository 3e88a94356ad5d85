package dev.flywheel.serving.online;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.serving.TestBundles;
import dev.flywheel.serving.TestSnapshots;
import dev.flywheel.serving.model.InvalidBundleException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnlineFeaturesTest {
  private static final Instant T = Instant.parse("2026-11-20T12:00:30.700Z");
  private static final double[] HALF_LIVES = {3600, 86400, 604800};
  private static final List<String> FEATURES = TestBundles.allFeatures();

  @TempDir
  static Path dir;
  private static FeatureSnapshot snapshot;
  private static OnlineFeatures features;

  @BeforeAll
  static void load() {
    TestSnapshots.write(dir.resolve("snapshot-3"));
    snapshot = FeatureSnapshot.load(new SnapshotPointer(dir.resolve("snapshot-3"), T, 3));
    features = OnlineFeatures.compile(FEATURES, 20.0, HALF_LIVES);
  }

  private static double value(double[] row, String feature) {
    return row[FEATURES.indexOf(feature)];
  }

  @Test
  void aKnownUserItemAndQueryItemGetTheirStateValuedAtTheRequestTime() {
    double[] row = features.rows(snapshot, T, "u-1", "shoes", List.of("i-1"))[0];

    assertEquals(0.0, value(row, "position"));
    assertEquals(12.0, value(row, "hour_of_day"));
    assertEquals(0.05, value(row, "g_ctr"), 1e-12);
    assertEquals(0.75, value(row, "g_positive_rate"), 1e-12);
    assertEquals(40.0, value(row, "u_impressions"));
    assertEquals(8.0, value(row, "u_clicks"));
    assertEquals(1.0, value(row, "u_purchases"));
    assertEquals(2.0, value(row, "u_ratings"));
    assertEquals((8 + 20 * 0.05) / (40 + 20), value(row, "u_ctr"), 1e-12);
    assertEquals((2 + 20 * 0.75) / (2 + 20), value(row, "u_positive_rate"), 1e-12);
    assertEquals(4.5, value(row, "u_avg_rating"), 1e-12);
    assertEquals(3.5, value(row, "u_last_rating"));
    assertEquals(50.0, value(row, "u_avg_dwell"), 1e-12);
    // Whole seconds, as Spark's timestamp-to-long cast: 2 h and 30 s since 10:00:00.
    assertEquals(7230.0, value(row, "u_seconds_since_last"));
    assertEquals(4.0 * Math.pow(2, -7230.0 / 3600), value(row, "u_decayed_impressions_short"), 1e-12);
    assertEquals(20.0 * Math.pow(2, -7230.0 / 86400), value(row, "u_decayed_impressions_mid"), 1e-12);
    assertEquals(7.0 * Math.pow(2, -7230.0 / 604800), value(row, "u_decayed_clicks_long"), 1e-12);
    double decay = Math.pow(2, -7230.0 / 3600);
    assertEquals((1.25 * decay + 20 * (2 + 20 * 0.75) / (2 + 20)) / (1.5 * decay + 20),
        value(row, "u_decayed_positive_rate_short"), 1e-12);
    assertEquals((2 + 20 * 0.75) / (2 + 20), value(row, "u_decayed_positive_rate_mid"), 1e-12);
    double ctr = (8 + 20 * 0.05) / (40 + 20);
    assertEquals((1.0 * decay + 20 * ctr) / (4.0 * decay + 20), value(row, "u_decayed_ctr_short"), 1e-12);
    double longDecay = Math.pow(2, -7230.0 / 604800);
    assertEquals((7.0 * longDecay + 20 * ctr) / (35.0 * longDecay + 20), value(row, "u_decayed_ctr_long"), 1e-12);
    assertEquals(300.0, value(row, "i_impressions"));
    assertTrue(Double.isNaN(value(row, "i_avg_rating")), "no ratings: avg_rating is null");
    assertEquals(3630.0, value(row, "i_seconds_since_last"));
    assertEquals(20.0, value(row, "qi_impressions"));
    assertEquals((6 + 20 * 0.05) / (20 + 20), value(row, "qi_ctr"), 1e-12);
    assertEquals(0.5 * Math.pow(2, -10830.0 / 3600), value(row, "qi_decayed_clicks_short"), 1e-12);
    assertEquals(0.0, value(row, "qi_decayed_clicks_mid"));
  }

  @Test
  void unknownEntitiesFallBackToThePriorAndQueryItemFeaturesAreNullWithoutAQuery() {
    double[][] rows = features.rows(snapshot, T, "u-unknown", null, List.of("i-unknown", "i-2"));

    for (String prefix : List.of("u_", "i_")) {
      assertEquals(0.0, value(rows[0], prefix + "impressions"));
      assertEquals(0.0, value(rows[0], prefix + "clicks"));
      assertEquals(0.05, value(rows[0], prefix + "ctr"), 1e-12);
      assertEquals(0.75, value(rows[0], prefix + "positive_rate"), 1e-12);
      assertEquals(0.0, value(rows[0], prefix + "decayed_impressions_mid"));
      assertEquals(0.75, value(rows[0], prefix + "decayed_positive_rate_long"), 1e-12);
      assertEquals(0.05, value(rows[0], prefix + "decayed_ctr_mid"), 1e-12);
      assertTrue(Double.isNaN(value(rows[0], prefix + "avg_dwell")));
      assertTrue(Double.isNaN(value(rows[0], prefix + "last_rating")));
      assertTrue(Double.isNaN(value(rows[0], prefix + "seconds_since_last")));
    }
    for (String feature : FEATURES.stream().filter(f -> f.startsWith("qi_")).toList()) {
      assertTrue(Double.isNaN(value(rows[1], feature)), feature + " must be null off search");
    }
    assertEquals(2.0, value(rows[1], "i_avg_rating"), 1e-12);
    assertEquals(5.0, value(rows[1], "i_avg_dwell"), 1e-12);
  }

  @Test
  void theVectorFollowsTheBundlesOrderAndAnEmptySnapshotGivesTheDefaultPriors() {
    OnlineFeatures reordered = OnlineFeatures.compile(List.of("u_ctr", "hour_of_day", "g_positive_rate"), 10.0,
        HALF_LIVES);

    double[] row = reordered.rows(FeatureSnapshot.empty(), T, "u-1", null, List.of("i-1"))[0];

    assertEquals(0.0, row[0], 1e-12);
    assertEquals(12.0, row[1]);
    assertEquals(0.5, row[2], 1e-12);
  }

  @Test
  void aFeatureServingCannotComputeFailsWhenTheBundleIsLoaded() {
    InvalidBundleException unknown = assertThrows(InvalidBundleException.class,
        () -> OnlineFeatures.compile(List.of("position", "u_ctr", "u_lifetime_value", "device"), 20, HALF_LIVES));
    assertTrue(unknown.getMessage().startsWith("Serving cannot compute the bundle's features [u_lifetime_value,"
        + " device]"), unknown.getMessage());

    InvalidBundleException config = assertThrows(InvalidBundleException.class,
        () -> OnlineFeatures.compile(List.of("position"), 20, new double[] {3600, 86400}));
    assertTrue(config.getMessage().contains("three positive half_lives_seconds"), config.getMessage());
  }
}
