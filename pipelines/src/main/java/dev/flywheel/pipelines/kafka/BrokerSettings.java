package dev.flywheel.pipelines.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the local broker runs: where its jars are, its two ports on 127.0.0.1 and how long starting
 * and stopping may take. Immutable; the {@code with} methods return a new instance.
 *
 * @param libDir folder of the broker's jars and log4j2 configuration ({@code pipelines/kafka-broker/target/lib})
 * @param port the client listener's port
 * @param controllerPort the KRaft controller listener's port
 * @param startTimeout how long {@link KafkaBroker#start()} waits for the broker to answer
 * @param stopTimeout how long {@link KafkaBroker#stop()} waits after SIGTERM before SIGKILL
 */
public record BrokerSettings(Path libDir, int port, int controllerPort, Duration startTimeout, Duration stopTimeout) {
  /** System property naming {@link #libDir()}; bin/flywheel and the tests set it. */
  public static final String LIB_PROPERTY = "flywheel.kafka.lib";
  /** The client port unless told otherwise. */
  public static final int DEFAULT_PORT = 9092;

  public BrokerSettings {
    Objects.requireNonNull(libDir, "libDir");
    Objects.requireNonNull(startTimeout, "startTimeout");
    Objects.requireNonNull(stopTimeout, "stopTimeout");
    checkPort("port", port);
    checkPort("controllerPort", controllerPort);
    if (port == controllerPort) {
      throw new IllegalArgumentException("The client port and the controller port are both " + port
          + "; choose two different ports");
    }
    libDir = libDir.toAbsolutePath().normalize();
  }

  /**
   * Port {@value #DEFAULT_PORT}, controller port one above, 60 s to start, 30 s to stop, the jars
   * named by the system property {@value #LIB_PROPERTY}.
   *
   * @throws KafkaBrokerException if the system property is not set
   */
  public static BrokerSettings defaults() {
    String lib = System.getProperty(LIB_PROPERTY);
    if (lib == null || lib.isBlank()) {
      throw new KafkaBrokerException("The system property " + LIB_PROPERTY + " does not name the broker's jars;"
          + " run bin/flywheel (it sets it) or pass -D" + LIB_PROPERTY + "=<repo>/pipelines/kafka-broker/target/lib");
    }
    return new BrokerSettings(Path.of(lib), DEFAULT_PORT, DEFAULT_PORT + 1, Duration.ofSeconds(60),
        Duration.ofSeconds(30));
  }

  /** These settings with another client port and the controller port one above it. */
  public BrokerSettings withPort(int newPort) {
    return new BrokerSettings(libDir, newPort, newPort + 1, startTimeout, stopTimeout);
  }

  /** These settings with another controller port. */
  public BrokerSettings withControllerPort(int newControllerPort) {
    return new BrokerSettings(libDir, port, newControllerPort, startTimeout, stopTimeout);
  }

  /** These settings with another start timeout. */
  public BrokerSettings withStartTimeout(Duration timeout) {
    return new BrokerSettings(libDir, port, controllerPort, timeout, stopTimeout);
  }

  /** {@code 127.0.0.1:port}. */
  public String bootstrapServers() {
    return KafkaBroker.HOST + ":" + port;
  }

  private static void checkPort(String name, int value) {
    if (value < 1 || value > 65535) {
      throw new IllegalArgumentException(name + " " + value + " is not a TCP port (1..65535)");
    }
  }
}
