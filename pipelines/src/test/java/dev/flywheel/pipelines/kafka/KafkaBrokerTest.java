package dev.flywheel.pipelines.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.lakehouse.FlywheelHome;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** The broker's life cycle on a real broker process: one start for the class, then a stop. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaBrokerTest {
  @TempDir
  static Path home;

  private static KafkaBroker broker;
  private static KafkaBroker.StartResult first;

  @BeforeAll
  static void start() {
    broker = TestBrokers.onFreePorts(new FlywheelHome(home));
    first = broker.start();
  }

  @AfterAll
  static void stopIfStillRunning() {
    broker.stop();
  }

  @Test
  @Order(1)
  void aStartedBrokerRunsUnderTheHome() throws IOException {
    BrokerStatus status = broker.status();

    assertTrue(first.started());
    assertTrue(status.running());
    assertEquals(Long.parseLong(Files.readString(broker.pidFile()).strip()), status.pid());
    assertTrue(Files.exists(broker.dataDir().resolve("meta.properties")));
    assertTrue(Files.readString(broker.logDir().resolve("server.log")).contains("Kafka Server started"));
    assertTrue(first.elapsed().compareTo(Duration.ofSeconds(60)) < 0, first.toString());
    System.out.println("broker answered after " + first.elapsed().toMillis() + " ms");
  }

  @Test
  @Order(2)
  void startingARunningBrokerIsANoOp() {
    KafkaBroker.StartResult again = broker.start();

    assertFalse(again.started());
    assertEquals(first.status().pid(), again.status().pid());
  }

  @Test
  @Order(3)
  void aTopicCarriesARecordFromProducerToConsumer() {
    assertTrue(broker.ensureTopic("life.cycle", 3));
    assertFalse(broker.ensureTopic("life.cycle", 3));

    try (RecordSender sender = new RecordSender(broker.bootstrapServers(), "life.cycle", "test")) {
      sender.send("u-1", "{\"user_id\":\"u-1\"}");
    }
    List<ConsumerRecord<String, String>> records = TestBrokers.readAll(broker.bootstrapServers(), "life.cycle", 1);

    assertEquals(1, records.size());
    assertEquals("u-1", records.get(0).key());
    assertEquals("{\"user_id\":\"u-1\"}", records.get(0).value());
    assertTrue(broker.status().topics().contains(new BrokerStatus.TopicSummary("life.cycle", 3)),
        broker.status().toString());
  }

  @Test
  @Order(4)
  void stopEndsTheProcessAndStatusSaysStopped() {
    long pid = broker.status().pid();

    KafkaBroker.StopResult stopped = broker.stop().orElseThrow();

    assertEquals(pid, stopped.pid());
    assertFalse(stopped.killed(), "needed SIGKILL: " + stopped);
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    assertFalse(broker.status().running());
    assertFalse(Files.exists(broker.pidFile()));
    assertTrue(broker.stop().isEmpty());
    System.out.println("broker stopped after " + stopped.elapsed().toMillis() + " ms");
  }

  @Test
  void startWithoutTheJarsSaysHowToBuildThem(@TempDir Path otherHome) {
    KafkaBroker withoutJars = new KafkaBroker(new FlywheelHome(otherHome),
        new BrokerSettings(otherHome.resolve("no-lib"), TestBrokers.freePort(), TestBrokers.freePort(),
            Duration.ofSeconds(5), Duration.ofSeconds(5)));

    KafkaBrokerException error = assertThrows(KafkaBrokerException.class, withoutJars::start);

    assertEquals("The Kafka broker's jars are missing in " + otherHome.resolve("no-lib")
        + "; run mvn -B -DskipTests package (or mvn -pl pipelines/kafka-broker package) in the repository",
        error.getMessage());
  }

  @Test
  void startOnATakenPortNamesThePort(@TempDir Path otherHome) throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(KafkaBroker.HOST))) {
      KafkaBroker clash = new KafkaBroker(new FlywheelHome(otherHome),
          BrokerSettings.defaults().withPort(taken.getLocalPort()).withControllerPort(TestBrokers.freePort()));

      KafkaBrokerException error = assertThrows(KafkaBrokerException.class, clash::start);

      assertEquals("Port " + taken.getLocalPort() + " on 127.0.0.1 is in use by another process; start the broker"
          + " with another --port", error.getMessage());
      assertFalse(Files.exists(clash.pidFile()));
    }
  }
}
