package dev.flywheel.pipelines.kafka;

import dev.flywheel.lakehouse.FlywheelHome;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The single-node KRaft broker of the embedded default: a real Kafka 4.1 broker, run as a detached
 * child process from the jars Maven copied to {@link BrokerSettings#libDir()}, bound to 127.0.0.1,
 * with its data, logs and pid file under {@link FlywheelHome#kafka()}. It is a separate process
 * (not an embedded server) because the broker is Scala 2.13 and Spark is Scala 2.12, and because
 * it must outlive the CLI command that started it.
 *
 * <p>Not thread-safe: one caller starts and stops the broker of a data root at a time.
 */
public final class KafkaBroker {
  /** The only address the local broker listens on. */
  public static final String HOST = "127.0.0.1";
  private static final String MAIN_CLASS = "kafka.Kafka";
  private static final String LOG_CONFIG = "broker-log4j2.properties";
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(15);

  private final FlywheelHome home;
  private final BrokerSettings settings;

  /**
   * The broker of {@code home}, run with {@code settings} when started.
   *
   * @param home the data root; the broker's files live under {@code home.kafka()}
   * @param settings jars, ports and timeouts
   */
  public KafkaBroker(FlywheelHome home, BrokerSettings settings) {
    this.home = home;
    this.settings = settings;
  }

  /** The broker's folder: {@code server.properties}, {@code broker.pid}, {@code data/}, {@code logs/}. */
  public Path directory() {
    return home.kafka();
  }

  /** The partition logs and KRaft metadata ({@code log.dirs}). */
  public Path dataDir() {
    return directory().resolve("data");
  }

  /** {@code server.log} (the broker's log4j2 output) and {@code broker.out} (its stdout and stderr). */
  public Path logDir() {
    return directory().resolve("logs");
  }

  /** The process id of the running broker; absent when it is stopped. */
  public Path pidFile() {
    return directory().resolve("broker.pid");
  }

  /** The configuration the broker runs with, rewritten on every start. */
  public Path propertiesFile() {
    return directory().resolve("server.properties");
  }

  /**
   * Starts the broker and waits until it answers an admin {@code describeCluster}. The first start
   * formats the storage with a random cluster id; later starts reuse the data. A broker that already
   * runs for this data root is left alone ({@link StartResult#started()} is false).
   *
   * @throws KafkaBrokerException if the jars are missing (run {@code mvn package}), a port is taken,
   *     formatting fails, or the broker exits or does not answer within the start timeout (the message
   *     names the log to read)
   */
  public StartResult start() {
    long began = System.nanoTime();
    Optional<ProcessHandle> running = runningProcess();
    if (running.isPresent()) {
      return new StartResult(false, status(), Duration.ZERO);
    }
    Path lib = checkedLibDir();
    checkPortFree(settings.port(), "--port");
    checkPortFree(settings.controllerPort(), "--controller-port");
    try {
      Files.createDirectories(dataDir());
      Files.createDirectories(logDir());
      Files.writeString(propertiesFile(), serverProperties(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the broker's configuration under " + directory(), e);
    }
    if (!Files.exists(dataDir().resolve("meta.properties"))) {
      format(lib);
    }
    Process process = launch(lib, List.of(MAIN_CLASS, propertiesFile().toString()), true);
    try {
      Files.writeString(pidFile(), Long.toString(process.pid()) + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      process.destroyForcibly();
      throw new UncheckedIOException("Cannot write " + pidFile() + "; the broker was stopped again", e);
    }
    awaitAnswer(process);
    return new StartResult(true, status(), Duration.ofNanos(System.nanoTime() - began));
  }

  /**
   * Stops the broker: SIGTERM (a clean shutdown), then SIGKILL if it has not exited within the stop
   * timeout. A stale pid file (its process is gone) is removed.
   *
   * @return the process that was stopped, or empty when no broker was running
   */
  public Optional<StopResult> stop() {
    Optional<ProcessHandle> running = runningProcess();
    if (running.isEmpty()) {
      deletePidFile();
      return Optional.empty();
    }
    ProcessHandle process = running.get();
    long began = System.nanoTime();
    process.destroy();
    boolean killed = false;
    try {
      process.onExit().get(settings.stopTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      killed = true;
      process.destroyForcibly();
      awaitExit(process, Duration.ofSeconds(10));
    } catch (ExecutionException e) {
      throw new KafkaBrokerException("Waiting for broker pid " + process.pid() + " to exit failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaBrokerException("Interrupted while stopping broker pid " + process.pid()
          + "; it may still be shutting down: check with flywheel kafka status");
    }
    deletePidFile();
    return Optional.of(new StopResult(process.pid(), killed, Duration.ofNanos(System.nanoTime() - began)));
  }

  /**
   * Whether the broker runs, its pid, where clients reach it and its topics.
   *
   * @throws KafkaBrokerException if the process is alive but the broker does not answer
   */
  public BrokerStatus status() {
    Optional<ProcessHandle> running = runningProcess();
    String bootstrap = bootstrapServers();
    if (running.isEmpty()) {
      return BrokerStatus.stopped(bootstrap);
    }
    try (Admin admin = admin(bootstrap)) {
      List<String> names = new ArrayList<>(admin.listTopics(new ListTopicsOptions().timeoutMs(timeoutMs()))
          .names().get());
      List<BrokerStatus.TopicSummary> topics = new ArrayList<>();
      for (TopicDescription topic : admin.describeTopics(names).allTopicNames().get().values()) {
        topics.add(new BrokerStatus.TopicSummary(topic.name(), topic.partitions().size()));
      }
      topics.sort(Comparator.comparing(BrokerStatus.TopicSummary::name));
      return new BrokerStatus(true, running.get().pid(), bootstrap, topics);
    } catch (ExecutionException e) {
      throw new KafkaBrokerException("Broker pid " + running.get().pid() + " is alive but does not answer on "
          + bootstrap + " (" + e.getCause().getMessage() + "); see " + logDir().resolve("server.log"), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaBrokerException("Interrupted while asking the broker on " + bootstrap + " for its topics");
    }
  }

  /**
   * Creates {@code topic} with {@code partitions} partitions (replication 1) unless it exists; an
   * existing topic is left as it is.
   *
   * @return true if the topic was created, false if it existed
   * @throws KafkaBrokerException if the broker is not running or refuses the topic
   */
  public boolean ensureTopic(String topic, int partitions) {
    if (partitions < 1) {
      throw new IllegalArgumentException("A topic needs at least one partition, not " + partitions);
    }
    if (runningProcess().isEmpty()) {
      throw new KafkaBrokerException("The broker under " + directory() + " is not running; start it with"
          + " flywheel kafka start");
    }
    try (Admin admin = admin(bootstrapServers())) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
      return true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        return false;
      }
      throw new KafkaBrokerException("Cannot create topic " + topic + " with " + partitions + " partitions: "
          + e.getCause().getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaBrokerException("Interrupted while creating topic " + topic);
    }
  }

  /**
   * Where clients reach this broker: the port it was last started with (from
   * {@code server.properties}), else the configured one.
   */
  public String bootstrapServers() {
    if (!Files.exists(propertiesFile())) {
      return settings.bootstrapServers();
    }
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(propertiesFile())) {
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + propertiesFile(), e);
    }
    String advertised = properties.getProperty("advertised.listeners", "");
    return advertised.startsWith("PLAINTEXT://") ? advertised.substring("PLAINTEXT://".length())
        : settings.bootstrapServers();
  }

  /** The text of {@code server.properties} for these settings. */
  String serverProperties() {
    String controller = HOST + ":" + settings.controllerPort();
    String client = HOST + ":" + settings.port();
    return String.join("\n",
        "# Written by Flywheel's KafkaBroker on every start; edits are overwritten.",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@" + controller,
        "listeners=PLAINTEXT://" + client + ",CONTROLLER://" + controller,
        "advertised.listeners=PLAINTEXT://" + client,
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs=" + dataDir(),
        "num.partitions=2",
        "auto.create.topics.enable=true",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=2",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "");
  }

  private Path checkedLibDir() {
    Path lib = settings.libDir();
    boolean complete = Files.isDirectory(lib) && Files.exists(lib.resolve(LOG_CONFIG))
        && list(lib).stream().anyMatch(name -> name.startsWith("kafka_2.13-") && name.endsWith(".jar"));
    if (!complete) {
      throw new KafkaBrokerException("The Kafka broker's jars are missing in " + lib
          + "; run mvn -B -DskipTests package (or mvn -pl pipelines/kafka-broker package) in the repository");
    }
    return lib;
  }

  private static List<String> list(Path dir) {
    try (var files = Files.list(dir)) {
      return files.map(path -> path.getFileName().toString()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir, e);
    }
  }

  private static void checkPortFree(int port, String option) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port), 1);
    } catch (IOException e) {
      throw new KafkaBrokerException("Port " + port + " on " + HOST + " is in use by another process; start the"
          + " broker with another " + option);
    }
  }

  private void format(Path lib) {
    String clusterId = Uuid.randomUuid().toString();
    Process process = launch(lib, List.of("kafka.tools.StorageTool", "format", "--cluster-id", clusterId,
        "--config", propertiesFile().toString()), false);
    try {
      if (!process.waitFor(settings.startTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new KafkaBrokerException("Formatting the broker storage in " + dataDir() + " did not finish within "
            + settings.startTimeout().toSeconds() + " s; see " + logDir().resolve("format.out"));
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new KafkaBrokerException("Interrupted while formatting the broker storage in " + dataDir());
    }
    if (process.exitValue() != 0) {
      throw new KafkaBrokerException("Formatting the broker storage in " + dataDir() + " failed with exit code "
          + process.exitValue() + "; see " + logDir().resolve("format.out"));
    }
  }

  /**
   * Runs {@code java -cp lib/* mainAndArgs} with the broker's logging; output goes to a file in the
   * log folder. A detached process gets its own session (setsid) so a Ctrl-C in the terminal that
   * started it does not reach it.
   */
  private Process launch(Path lib, List<String> mainAndArgs, boolean detached) {
    List<String> command = new ArrayList<>();
    Optional<Path> setsid = detached
        ? List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid")).stream().filter(Files::isExecutable).findFirst()
        : Optional.empty();
    setsid.ifPresent(path -> command.add(path.toString()));
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-Xms128m", "-Xmx512m", "-XX:+UseG1GC", "-Djava.awt.headless=true",
        "-Dlog4j2.configurationFile=" + lib.resolve(LOG_CONFIG),
        "-Dkafka.logs.dir=" + logDir(),
        "-cp", lib.resolve("*").toString()));
    command.addAll(mainAndArgs);
    File output = logDir().resolve(detached ? "broker.out" : "format.out").toFile();
    try {
      return new ProcessBuilder(command)
          .directory(directory().toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectErrorStream(true)
          .redirectOutput(detached ? ProcessBuilder.Redirect.appendTo(output) : ProcessBuilder.Redirect.to(output))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start " + String.join(" ", command), e);
    }
  }

  private void awaitAnswer(Process process) {
    long deadline = System.nanoTime() + settings.startTimeout().toNanos();
    String bootstrap = settings.bootstrapServers();
    try (Admin admin = admin(bootstrap)) {
      while (true) {
        if (!process.isAlive()) {
          deletePidFile();
          throw new KafkaBrokerException("The Kafka broker exited with code " + process.exitValue()
              + " while starting; see " + logDir().resolve("server.log") + " and " + logDir().resolve("broker.out"));
        }
        try {
          admin.describeCluster(new DescribeClusterOptions().timeoutMs(1000)).clusterId().get(2, TimeUnit.SECONDS);
          return;
        } catch (ExecutionException | TimeoutException e) {
          if (System.nanoTime() > deadline) {
            process.destroyForcibly();
            awaitExit(process.toHandle(), Duration.ofSeconds(10));
            deletePidFile();
            throw new KafkaBrokerException("The Kafka broker did not answer on " + bootstrap + " within "
                + settings.startTimeout().toSeconds() + " s and was stopped; see " + logDir().resolve("server.log"));
          }
          Thread.sleep(100);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaBrokerException("Interrupted while waiting for the broker on " + bootstrap
          + "; it may still be starting: check with flywheel kafka status");
    }
  }

  private static void awaitExit(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new KafkaBrokerException("Broker pid " + process.pid() + " did not exit after SIGKILL within "
          + timeout.toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaBrokerException("Interrupted while waiting for broker pid " + process.pid() + " to exit");
    }
  }

  /** The live broker process of this data root, if the pid file names one. */
  private Optional<ProcessHandle> runningProcess() {
    if (!Files.exists(pidFile())) {
      return Optional.empty();
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readString(pidFile(), StandardCharsets.UTF_8).strip());
    } catch (NumberFormatException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + pidFile(), e);
    }
    String config = propertiesFile().toString();
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(process -> process.info().commandLine()
        .map(line -> line.contains(MAIN_CLASS) && line.contains(config)).orElse(true));
  }

  private void deletePidFile() {
    try {
      Files.deleteIfExists(pidFile());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + pidFile(), e);
    }
  }

  private int timeoutMs() {
    return (int) ADMIN_TIMEOUT.toMillis();
  }

  private Admin admin(String bootstrap) {
    Properties properties = new Properties();
    properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    properties.put(AdminClientConfig.CLIENT_ID_CONFIG, "flywheel-broker-admin");
    properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs());
    properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs());
    properties.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
    return Admin.create(properties);
  }

  /**
   * What {@link #start()} did.
   *
   * @param started false when a broker was already running and was left alone
   * @param status the broker's status after the call
   * @param elapsed from the call to the broker's first answer (zero when already running)
   */
  public record StartResult(boolean started, BrokerStatus status, Duration elapsed) {}

  /**
   * What {@link #stop()} did.
   *
   * @param pid the process that was stopped
   * @param killed whether it needed SIGKILL after the stop timeout
   * @param elapsed from SIGTERM to its exit
   */
  public record StopResult(long pid, boolean killed, Duration elapsed) {}
}
