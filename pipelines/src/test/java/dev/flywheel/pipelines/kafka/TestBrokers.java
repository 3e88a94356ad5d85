package dev.flywheel.pipelines.kafka;

import dev.flywheel.lakehouse.FlywheelHome;
import dev.flywheel.lakehouse.SharedSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Real local brokers for tests: one shared broker per test JVM (started on first use, stopped when
 * the JVM exits), free ports, and a consumer that reads a topic from the beginning.
 */
public final class TestBrokers {
  private static KafkaBroker shared;

  private TestBrokers() {}

  /** The broker shared by the test classes of this JVM, started on first use. */
  public static synchronized KafkaBroker shared() {
    if (shared == null) {
      Path root = Path.of("target", "test-kafka", "shared");
      SharedSpark.deleteRecursively(root);
      shared = onFreePorts(new FlywheelHome(root));
      shared.start();
      KafkaBroker started = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(started::stop));
    }
    return shared;
  }

  /** A broker of {@code home} on two free ports, with the jars the build copied. */
  public static KafkaBroker onFreePorts(FlywheelHome home) {
    return new KafkaBroker(home, BrokerSettings.defaults().withPort(freePort()).withControllerPort(freePort()));
  }

  /** A TCP port on 127.0.0.1 that nothing listens on right now. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(KafkaBroker.HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every record of {@code topic}, read from the beginning until {@code expected} arrived or 30 s passed. */
  public static List<ConsumerRecord<String, String>> readAll(String bootstrap, String topic, int expected) {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    properties.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + topic + "-" + System.nanoTime());
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (records.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }
}
