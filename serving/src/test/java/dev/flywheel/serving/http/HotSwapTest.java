package dev.flywheel.serving.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.serving.TestBundles;
import dev.flywheel.serving.TestSnapshots;
import dev.flywheel.serving.impressions.ImpressionLog;
import dev.flywheel.serving.model.ModelBundle;
import dev.flywheel.serving.online.FeatureSnapshot;
import dev.flywheel.serving.online.SnapshotPointer;
import dev.flywheel.serving.rank.ChampionPointer;
import dev.flywheel.serving.rank.ModelWatcher;
import dev.flywheel.serving.rank.RankRequest;
import dev.flywheel.serving.rank.RankResult;
import dev.flywheel.serving.rank.Ranking;
import dev.flywheel.serving.rank.ServingState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client threads hammer /v1/rank while the champion pointer flips between two bundles: no request
 * fails, and every answer is exactly the ranking of the version it names.
 */
class HotSwapTest {
  private static final int CLIENTS = 4;
  private static final int FLIPS = 12;
  private static final Instant TIME = Instant.parse("2026-11-20T12:00:30Z");
  private static final List<String> CANDIDATES = IntStream.range(0, 100).mapToObj(i -> "i-" + i).toList();

  @TempDir
  Path home;

  private static String body(int n) {
    return "{\"request_id\": \"r-" + n + "\", \"user_id\": \"u-1\", \"surface\": \"search\", \"query\": \"shoes\","
        + " \"request_time\": \"" + TIME + "\", \"candidates\": [" + CANDIDATES.stream().map(c -> "\"" + c + "\"")
        .collect(Collectors.joining(", ")) + "]}";
  }

  /** What version {@code version} must answer: the scorer run by the test on its own copy of the bundle. */
  private static RankResult expected(String version, Path bundle, FeatureSnapshot snapshot) {
    ServingState state = ServingState.champion(new ChampionPointer(version, bundle), snapshot);
    return Ranking.rank(state, new RankRequest("r", "u-1", "search", "shoes", Map.of(), CANDIDATES, TIME));
  }

  @Test
  void answersNameOneVersionAndMatchItWhileTheChampionFlips() throws Exception {
    Path snapshotDir = TestSnapshots.withItems(TestSnapshots.write(home.resolve("online/snapshot-3")), 100);
    TestBundles.publishSnapshot(home, snapshotDir, 3);
    Path first = TestBundles.write(home.resolve("models/run-a/bundle"), TestBundles.allFeatures(), -2.0, 0.05, 0.1,
        new double[] {1.0, 0.5});
    Path second = TestBundles.write(home.resolve("models/run-b/bundle"), TestBundles.allFeatures(), 1.0, -0.07, -0.2,
        new double[] {0.7, 1.2});
    FeatureSnapshot snapshot = FeatureSnapshot.load(new SnapshotPointer(snapshotDir, TIME, 3));
    Map<String, RankResult> expected = Map.of("1", expected("1", first, snapshot), "2", expected("2", second, snapshot));
    assertTrue(!expected.get("1").items().equals(expected.get("2").items()), "the versions must rank differently");
    TestBundles.promote(home, 1, first);

    try (ModelWatcher models = ModelWatcher.forHome(home)) {
      models.start(Duration.ofMillis(5));
      RankServer server = RankServer.start(new ServerConfig("127.0.0.1", 0, 4, 500, 256 * 1024,
          Duration.ofMillis(5)), models, ImpressionLog.disabled());
      TestClient client = new TestClient(server);
      AtomicBoolean flipping = new AtomicBoolean(true);
      AtomicLong requests = new AtomicLong();
      Map<String, AtomicLong> answeredBy = new ConcurrentHashMap<>(Map.of("1", new AtomicLong(), "2", new AtomicLong()));
      ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
      List<Future<List<String>>> problems = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        problems.add(clients.submit(() -> {
          List<String> wrong = new ArrayList<>();
          while (flipping.get()) {
            int n = (int) requests.incrementAndGet();
            TestClient.Answer answer = client.post("/v1/rank", body(n));
            String version = answer.body().path("model_version").asText();
            RankResult want = expected.get(version);
            if (answer.status() != 200 || want == null) {
              wrong.add("request " + n + ": " + answer.status() + " " + answer.body());
              continue;
            }
            answeredBy.get(version).incrementAndGet();
            if (!items(answer.body()).equals(want.items()) || !scoresEqual(answer.body(), want.scores())) {
              wrong.add("request " + n + " names version " + version + " but is not its ranking");
            }
          }
          return wrong;
        }));
      }
      try {
        for (int flip = 0; flip < FLIPS; flip++) {
          String version = flip % 2 == 0 ? "2" : "1";
          long seen = answeredBy.get(version).get();
          TestBundles.promote(home, Long.parseLong(version), version.equals("2") ? second : first);
          // The next flip waits for answers by this version, so both versions really serve under load.
          while (answeredBy.get(version).get() < seen + 20) {
            Thread.sleep(1);
          }
        }
      } finally {
        flipping.set(false);
      }
      List<String> wrong = new ArrayList<>();
      for (Future<List<String>> problem : problems) {
        wrong.addAll(problem.get());
      }
      clients.shutdown();
      JsonNode metrics = client.get("/metrics").body();
      server.close();

      assertEquals(List.of(), wrong.stream().limit(5).toList(), wrong.size() + " bad answers");
      assertEquals(requests.get(), answeredBy.get("1").get() + answeredBy.get("2").get());
      assertEquals(requests.get(), metrics.get("requests").get("200").asLong(), metrics.toString());
      assertEquals(1, metrics.get("requests").size(), "only HTTP 200: " + metrics);
    }
  }

  private static List<String> items(JsonNode body) {
    List<String> items = new ArrayList<>();
    body.get("items").forEach(item -> items.add(item.asText()));
    return items;
  }

  private static boolean scoresEqual(JsonNode body, double[] scores) {
    JsonNode actual = body.get("scores");
    if (actual.size() != scores.length) {
      return false;
    }
    for (int i = 0; i < scores.length; i++) {
      if (actual.get(i).asDouble() != scores[i]) {
        return false;
      }
    }
    return true;
  }
}
