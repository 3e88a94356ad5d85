package dev.flywheel.app;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.lakehouse.FlywheelHome;
import dev.flywheel.lakehouse.SharedSpark;
import dev.flywheel.pipelines.kafka.BrokerSettings;
import dev.flywheel.pipelines.kafka.KafkaBroker;
import dev.flywheel.serving.TestBundles;
import dev.flywheel.serving.TestSnapshots;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving and the simulator against a real broker: {@code flywheel serve} ranks the simulator's
 * requests with the champion and logs the impressions, the simulator ({@code --ranker-logs-impressions})
 * sends only the feedback, and the validated ingest lands both in bronze with nothing quarantined: the
 * server's impressions carry the champion's version, and every click answers one of them. The features
 * job then carries that version into {@code silver.impressions}, where online metrics per model version
 * are computed.
 */
class ServeImpressionsIT {
  private static final String TOPIC = "feedback.events";
  private static final int REQUESTS = 30;
  private static final int CANDIDATES = 10;

  @TempDir
  Path dir;

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(KafkaBroker.HOST))) {
      return socket.getLocalPort();
    }
  }

  private static void awaitChampion(int port, String version, Process server, Path log) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
        .timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (true) {
      assertTrue(server.isAlive(), "serve died:\n" + Files.readString(log));
      assertTrue(System.nanoTime() < deadline, "serve never named version " + version + ":\n" + Files.readString(log));
      try {
        HttpResponse<String> answer = client.send(health, HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() == 200 && answer.body().contains("\"model_version\":\"" + version + "\"")) {
          return;
        }
      } catch (IOException notYetListening) {
        // The server is still starting.
      }
      Thread.sleep(200);
    }
  }

  @Test
  void impressionsLoggedByTheServerPassValidationAndCarryTheChampionsVersionIntoBronzeAndSilver() throws Exception {
    Path home = dir.resolve("home");
    Path log = dir.resolve("logs/cli.log");
    Path serveLog = dir.resolve("logs/serve.log");
    KafkaBroker broker = new KafkaBroker(new FlywheelHome(dir.resolve("broker")),
        BrokerSettings.defaults().withPort(freePort()).withControllerPort(freePort()));
    broker.start();
    Process server = null;
    try {
      broker.ensureTopic(TOPIC, 2);
      assertEquals(0, ChildJvm.startCli(home, log, "init").waitFor(), Files.readString(log));
      TestBundles.publishSnapshot(home, TestSnapshots.write(home.resolve("online/snapshot-1")), 1);
      TestBundles.promote(home, 3, TestBundles.write(home.resolve("models/run-it/bundle"), TestBundles.allFeatures(),
          -1.0, 0.05, 0.0, new double[] {0.6, 0.6}));
      int port = freePort();
      server = ChildJvm.startCli(home, serveLog, "serve", "--port", Integer.toString(port), "--bootstrap",
          broker.bootstrapServers(), "--poll-ms", "200");
      awaitChampion(port, "3", server, serveLog);

      assertEquals(0, ChildJvm.startCli(home, log, "simulate", "--bootstrap", broker.bootstrapServers(),
          "--requests", Integer.toString(REQUESTS), "--users", "20", "--items", "60", "--rate", "0.05",
          "--ranker-url", "http://127.0.0.1:" + port + "/v1/rank", "--ranker-logs-impressions").waitFor(),
          Files.readString(log));
      server.destroy();
      assertTrue(server.waitFor(60, TimeUnit.SECONDS), "serve did not stop:\n" + Files.readString(serveLog));
      assertEquals(0, ChildJvm.startCli(home, log, "ingest", "--bootstrap", broker.bootstrapServers(),
          "--available-now").waitFor(), Files.readString(log));

      Dataset<Row> bronze = SharedSpark.session().read().format("delta")
          .load(home.resolve("warehouse/bronze.db/feedback_events").toString());
      Dataset<Row> quarantine = SharedSpark.session().read().format("delta")
          .load(home.resolve("warehouse/bronze.db/feedback_quarantine").toString());
      Dataset<Row> impressions = bronze.where(col("event_type").equalTo("impression"));
      Dataset<Row> clicks = bronze.where(col("event_type").equalTo("click"));
      assertEquals(0, quarantine.count(), "quarantined records");
      assertEquals(REQUESTS * CANDIDATES, impressions.count(), "impressions, one per ranked item");
      assertEquals(REQUESTS * CANDIDATES, impressions.select("event_id").distinct().count());
      assertEquals(List.of("3"), impressions.select("model_version").distinct().as(Encoders.STRING()).collectAsList());
      assertEquals(CANDIDATES, impressions.select("position").distinct().count(), "positions 0..9");
      assertTrue(clicks.count() > 0, "the simulated users clicked");
      assertEquals(0, clicks.join(impressions, new String[] {"request_id", "item_id"}, "left_anti").count(),
          "every click answers an impression the server logged");

      assertEquals(0, ChildJvm.startCli(home, log, "features").waitFor(), Files.readString(log));
      Dataset<Row> silver = SharedSpark.session().read().format("delta")
          .load(home.resolve("warehouse/silver.db/impressions").toString());
      assertEquals(REQUESTS * CANDIDATES, silver.count(), "silver impressions, one per ranked item");
      assertEquals(0, silver.join(impressions, new String[] {"event_id", "model_version"}, "left_anti").count(),
          "every silver impression keeps the version the server logged with it");
      assertEquals(List.of("3"), silver.select("model_version").distinct().as(Encoders.STRING()).collectAsList());
      assertTrue(silver.where(col("clicked")).count() > 0, "the clicks were attributed to the served impressions");
    } finally {
      if (server != null) {
        server.destroyForcibly();
      }
      broker.stop();
    }
  }
}
