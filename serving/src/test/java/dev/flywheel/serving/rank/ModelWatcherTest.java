package dev.flywheel.serving.rank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.serving.TestBundles;
import dev.flywheel.serving.TestSnapshots;
import dev.flywheel.serving.model.Candidates;
import dev.flywheel.serving.model.ModelBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelWatcherTest {
  private static final Instant TIME = Instant.parse("2026-11-20T12:00:30Z");

  @TempDir
  Path home;

  @Test
  void aBundleThatFailsToLoadLeavesTheOldOneServing() throws Exception {
    Path good = TestBundles.write(home.resolve("models/run-a/bundle"), TestBundles.allFeatures(), 0.1, 0.05, 0,
        new double[] {1, 1});
    Path unknownFeature = TestBundles.write(home.resolve("models/run-b/bundle"), List.of("position", "u_ltv"), 0.1,
        0.05, 0, new double[] {1, 1});
    Path missing = home.resolve("models/run-c/bundle");
    ModelWatcher watcher = ModelWatcher.forHome(home);

    assertFalse(watcher.refresh(), "no pointers yet");
    assertEquals(ServingState.RANDOM, watcher.current().modelVersion());
    TestBundles.promote(home, 1, good);
    assertTrue(watcher.refresh());
    ServingState first = watcher.current();
    assertEquals("1", first.modelVersion());

    TestBundles.promote(home, 2, unknownFeature);
    assertFalse(watcher.refresh());
    TestBundles.promote(home, 3, missing);
    assertFalse(watcher.refresh());
    Files.writeString(home.resolve("models/CHAMPION.json"), "{\"model_version\": \"x\"}");
    assertFalse(watcher.refresh());
    assertSame(first, watcher.current());

    TestBundles.promote(home, 4, good);
    assertTrue(watcher.refresh());
    assertEquals("4", watcher.current().modelVersion());
    Files.delete(home.resolve("models/CHAMPION.json"));
    assertTrue(watcher.refresh());
    assertEquals(ServingState.RANDOM, watcher.current().modelVersion());
  }

  @Test
  void aNewSnapshotIsSwappedInUnderTheSameChampionAndABrokenOneIsIgnored() throws Exception {
    Path bundle = TestBundles.write(home.resolve("models/run-a/bundle"), TestBundles.allFeatures(), 0.1, 0.05, 0,
        new double[] {1, 1});
    TestBundles.promote(home, 7, bundle);
    ModelWatcher watcher = ModelWatcher.forHome(home);
    watcher.refresh();
    assertEquals("none", watcher.current().snapshot().name());

    Path snapshot = TestSnapshots.write(home.resolve("online/snapshot-3"));
    TestBundles.publishSnapshot(home, snapshot, 3);
    assertTrue(watcher.refresh());
    ServingState withSnapshot = watcher.current();
    Files.createDirectories(home.resolve("online/snapshot-4"));
    TestBundles.publishSnapshot(home, home.resolve("online/snapshot-4"), 4);
    assertFalse(watcher.refresh(), "snapshot-4 has no global.json");

    assertSame(withSnapshot, watcher.current());
    assertEquals("7", withSnapshot.modelVersion());
    assertEquals(3, withSnapshot.snapshot().goldVersion());
    assertEquals(snapshot.toString(), withSnapshot.snapshot().name());
  }

  @Test
  void theChampionScoresCandidatesAsTheBundleScoresTheirOnlineFeatures() {
    Path bundleDir = TestBundles.write(home.resolve("models/run-a/bundle"), TestBundles.allFeatures(), -1, 0.05, 0.1,
        new double[] {0.8, 0.6});
    TestSnapshots.write(home.resolve("online/snapshot-3"));
    TestBundles.publishSnapshot(home, home.resolve("online/snapshot-3"), 3);
    TestBundles.promote(home, 5, bundleDir);
    ModelWatcher watcher = ModelWatcher.forHome(home);
    watcher.refresh();
    ServingState state = watcher.current();
    List<String> candidates = List.of("i-2", "i-unknown", "i-1");

    RankResult result = Ranking.rank(state, new RankRequest("r-1", "u-1", "search", "shoes", Map.of(), candidates,
        TIME));

    double[] scores = ModelBundle.load(bundleDir).score(new Candidates("u-1", candidates,
        state.features().rows(state.snapshot(), TIME, "u-1", "shoes", candidates)));
    assertEquals("5", result.modelVersion());
    assertEquals(3, result.items().size());
    for (int i = 0; i < 3; i++) {
      assertEquals(scores[candidates.indexOf(result.items().get(i))], result.scores()[i]);
    }
    double[] sorted = result.scores().clone();
    java.util.Arrays.sort(sorted);
    assertArrayEquals(new double[] {sorted[2], sorted[1], sorted[0]}, result.scores());
  }
}
