package dev.flywheel.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.lakehouse.FlywheelHome;
import dev.flywheel.lakehouse.SharedSpark;
import dev.flywheel.pipelines.kafka.BrokerSettings;
import dev.flywheel.pipelines.kafka.KafkaBroker;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly once end to end: while events stream into Kafka (10 % of them resent), the ingest JVM is
 * killed with SIGKILL twice and the broker is restarted once; afterwards every event_id is in bronze
 * exactly once and none is missing.
 */
class IngestExactlyOnceIT {
  private static final int EVENTS = 20_000;
  private static final String TOPIC = "feedback.events";

  @TempDir
  Path dir;

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(KafkaBroker.HOST))) {
      return socket.getLocalPort();
    }
  }

  private static long bronzeCommits(Path bronze) throws IOException {
    Path log = bronze.resolve("_delta_log");
    if (!Files.isDirectory(log)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(log)) {
      return files.filter(f -> f.getFileName().toString().matches("\\d{20}\\.json")).count();
    }
  }

  private static void awaitCommits(Path bronze, long atLeast, Process ingest, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    while (bronzeCommits(bronze) < atLeast) {
      assertTrue(ingest.isAlive(), "ingest died early:\n" + Files.readString(log));
      assertTrue(System.nanoTime() < deadline, "no progress in bronze:\n" + Files.readString(log));
      Thread.sleep(250);
    }
  }

  private static Thread produceInBackground(String bootstrap) {
    Thread producerThread = new Thread(() -> {
      Properties properties = new Properties();
      properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
      properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
      properties.put(ProducerConfig.ACKS_CONFIG, "all");
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties)) {
        for (int i = 0; i < EVENTS; i++) {
          String user = "u-" + (i % 97);
          String event = "{\"event_id\":\"e-" + i + "\",\"event_type\":\"click\",\"event_time\":\"" + Instant.now()
              + "\",\"user_id\":\"" + user + "\",\"item_id\":\"i-" + (i % 31) + "\",\"request_id\":\"r-" + i + "\"}";
          producer.send(new ProducerRecord<>(TOPIC, user, event));
          if (i % 10 == 0) {
            producer.send(new ProducerRecord<>(TOPIC, user, event));
          }
          if (i % 500 == 0) {
            Thread.sleep(100);
          }
        }
        producer.flush();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    producerThread.start();
    return producerThread;
  }

  @Test
  void everyEventLandsExactlyOnceAcrossTwoIngestKillsAndABrokerRestart() throws Exception {
    Path home = dir.resolve("home");
    Path log = dir.resolve("logs/cli.log");
    KafkaBroker broker = new KafkaBroker(new FlywheelHome(dir.resolve("broker")),
        BrokerSettings.defaults().withPort(freePort()).withControllerPort(freePort()));
    broker.start();
    try {
      broker.ensureTopic(TOPIC, 2);
      assertEquals(0, ChildJvm.startCli(home, log, "init").waitFor(), Files.readString(log));
      Path bronze = home.resolve("warehouse/bronze.db/feedback_events");
      String[] ingest = {"ingest", "--bootstrap", broker.bootstrapServers(), "--trigger-seconds", "1",
          "--max-offsets-per-trigger", "1500"};
      Thread producer = produceInBackground(broker.bootstrapServers());

      Process first = ChildJvm.startCli(home, log, ingest);
      awaitCommits(bronze, 4, first, log);
      first.destroyForcibly().waitFor();
      Process second = ChildJvm.startCli(home, log, ingest);
      awaitCommits(bronze, bronzeCommits(bronze) + 3, second, log);
      second.destroyForcibly().waitFor();
      broker.stop();
      broker.start();
      producer.join(TimeUnit.MINUTES.toMillis(3));
      String[] drain = {"ingest", "--bootstrap", broker.bootstrapServers(), "--available-now"};
      assertEquals(0, ChildJvm.startCli(home, log, drain).waitFor(), Files.readString(log));

      Dataset<Row> events = SharedSpark.session().read().format("delta").load(bronze.toString());
      assertEquals(EVENTS, events.count(), "rows in bronze");
      assertEquals(EVENTS, events.select("event_id").distinct().count(), "distinct event ids in bronze");
    } finally {
      broker.stop();
    }
  }
}
