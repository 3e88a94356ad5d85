package dev.flywheel.serving.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.serving.impressions.ImpressionLog;
import dev.flywheel.serving.rank.ModelWatcher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP contract without a champion: random rankings, bad requests refused, health and metrics. */
class RankServerTest {
  private static final String GOOD = """
      {"request_id": "r-1", "user_id": "u-1", "surface": "search", "query": "shoes",
       "context": {"device": "mobile"}, "candidates": ["i-1", "i-2", "i-3", "i-4"]}""";

  @TempDir
  static Path home;
  private static ModelWatcher models;
  private static RankServer server;
  private static TestClient client;

  @BeforeAll
  static void start() {
    models = ModelWatcher.forHome(home);
    models.start(Duration.ofSeconds(1));
    server = RankServer.start(new ServerConfig("127.0.0.1", 0, 2, 5, 4096, Duration.ofSeconds(1)), models,
        ImpressionLog.disabled());
    client = new TestClient(server);
  }

  @AfterAll
  static void stop() {
    server.close();
    models.close();
  }

  private static List<String> texts(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asText()));
    return values;
  }

  @Test
  void withoutAChampionTheRankingIsRandomButReproducibleForARequestId() {
    TestClient.Answer first = client.post("/v1/rank", GOOD);
    TestClient.Answer again = client.post("/v1/rank", GOOD);
    TestClient.Answer other = client.post("/v1/rank", GOOD.replace("r-1", "r-2"));

    assertEquals(200, first.status(), first.body().toString());
    assertEquals("r-1", first.body().get("request_id").asText());
    assertEquals("random", first.body().get("model_version").asText());
    assertEquals(List.of("i-1", "i-2", "i-3", "i-4"), texts(first.body().get("items")).stream().sorted().toList());
    assertEquals(first.body(), again.body());
    List<Double> scores = new ArrayList<>();
    first.body().get("scores").forEach(score -> scores.add(score.asDouble()));
    assertEquals(scores.stream().sorted((a, b) -> Double.compare(b, a)).toList(), scores, "scores best first");
    assertNotEquals(first.body().get("scores"), other.body().get("scores"));
  }

  @Test
  void aRequestWithoutAnIdGetsAFreshOne() {
    TestClient.Answer answer = client.post("/v1/rank", "{\"user_id\": \"u-1\", \"candidates\": [\"i-1\"]}");

    assertEquals(200, answer.status(), answer.body().toString());
    assertEquals(36, answer.body().get("request_id").asText().length(), answer.body().toString());
    assertEquals(List.of("i-1"), texts(answer.body().get("items")));
  }

  @Test
  void badRequestsGet400WithTheReasonAndTheServerKeepsServing() {
    Map<String, String> bad = Map.ofEntries(
        Map.entry("{\"user_id\": \"u-1\", \"candidates\": [\"i-1\"", "The body is not JSON"),
        Map.entry("[\"i-1\"]", "The body must be a JSON object"),
        Map.entry("{\"user_id\": \"u-1\", \"candidates\": [\"i-1\"], \"limit\": 3}", "Unknown field 'limit'"),
        Map.entry("{\"user_id\": \"u-1\"}", "Missing field 'candidates'"),
        Map.entry("{\"user_id\": \"u-1\", \"candidates\": []}", "'candidates' is empty"),
        Map.entry("{\"user_id\": \"u-1\", \"candidates\": [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\"]}",
            "Too many candidates: 6, at most 5"),
        Map.entry("{\"user_id\": \"u-1\", \"candidates\": [\"a\", \"a\"]}", "Candidate \"a\" appears twice"),
        Map.entry("{\"user_id\": 7, \"candidates\": [\"i-1\"]}", "'user_id' must be a string, got number"),
        Map.entry("{\"candidates\": [\"i-1\"]}", "Missing field 'user_id'"),
        Map.entry("{\"user_id\": \"u-1\", \"candidates\": [1]}", "Every candidate must be an item id"),
        Map.entry("{\"user_id\": \"u-1\", \"context\": {\"device\": 1}, \"candidates\": [\"i-1\"]}",
            "context.device must be a string, got number"),
        Map.entry("{\"user_id\": \"u-1\", \"candidates\": [\"i-1\"], \"request_time\": \"yesterday\"}",
            "request_time must be an ISO-8601 instant"),
        Map.entry("{\"user_id\": \"u-1\", \"candidates\": [\"i-1\"], \"request_time\": \"2999-01-01T00:00:00Z\"}",
            "minutes ahead of the server's clock"),
        Map.entry("{\"user_id\": \"u-1\", \"user_id\": \"u-2\", \"candidates\": [\"i-1\"]}", "Duplicate field 'user_id'"),
        Map.entry("{\"user_id\": \"u-1\", \"candidates\": [\"i-1\"], \"query\": \"" + "x".repeat(4100) + "\"}",
            "The body has "));
    long before = client.get("/metrics").body().path("requests").path("400").asLong(0);

    for (Map.Entry<String, String> request : bad.entrySet()) {
      TestClient.Answer answer = client.post("/v1/rank", request.getKey());
      assertEquals(400, answer.status(), request.getKey());
      assertTrue(answer.body().get("error").asText().contains(request.getValue()),
          answer.body() + " should say " + request.getValue());
    }
    TestClient.Answer wrongMethod = client.get("/v1/rank");
    TestClient.Answer good = client.post("/v1/rank", GOOD);

    assertEquals(405, wrongMethod.status());
    assertEquals(200, good.status(), good.body().toString());
    JsonNode metrics = client.get("/metrics").body();
    assertEquals(before + bad.size(), metrics.get("requests").get("400").asLong(), metrics.toString());
    assertEquals("random", metrics.get("model_version").asText());
    assertEquals("none", metrics.get("snapshot").get("path").asText());
    assertTrue(metrics.get("latency_ms").get("p99").asDouble() > 0, metrics.toString());
  }

  @Test
  void healthNamesTheModelVersion() {
    TestClient.Answer health = client.get("/healthz");

    assertEquals(200, health.status());
    assertEquals("ok", health.body().get("status").asText());
    assertEquals("random", health.body().get("model_version").asText());
    assertEquals(404, client.get("/healthz/deep").status());
  }
}
