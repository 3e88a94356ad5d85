package dev.flywheel.serving.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.serving.http.RankServer;
import dev.flywheel.serving.http.ServerConfig;
import dev.flywheel.serving.impressions.ImpressionLog;
import dev.flywheel.serving.rank.ModelWatcher;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The load generator against a real rank server: every request sent is counted, OK or failed. */
class ServeLoadTest {
  @TempDir
  Path home;

  private ServeLoad.Result load(int maxCandidates, int candidates) throws InterruptedException {
    try (ModelWatcher models = ModelWatcher.forHome(home);
        RankServer server = RankServer.start(new ServerConfig("127.0.0.1", 0, 2, maxCandidates, 256 * 1024,
            Duration.ofSeconds(1)), models, ImpressionLog.disabled())) {
      return ServeLoad.run(server.rankUrl(), new ServeLoad.Config(200, Duration.ofSeconds(1), Duration.ofMillis(100),
          candidates, 1000, 100, 1, 3));
    }
  }

  @Test
  void everyRequestIsAnsweredOverTheKeptAliveConnections() throws InterruptedException {
    ServeLoad.Result result = load(500, 100);

    assertEquals(200, result.sent());
    assertEquals(200, result.ok(), result.toString());
    assertEquals(0, result.failed());
    assertEquals(3, result.connections());
    assertTrue(result.p50Millis() > 0 && result.p50Millis() <= result.p99Millis()
        && result.p99Millis() <= result.maxMillis(), result.toString());
  }

  @Test
  void refusedRequestsCountAsFailed() throws InterruptedException {
    ServeLoad.Result result = load(5, 6);

    assertEquals(200, result.sent());
    assertEquals(0, result.ok(), result.toString());
    assertEquals(200, result.failed());
  }
}
