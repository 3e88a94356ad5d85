package dev.flywheel.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.flywheel.lakehouse.FlywheelHome;
import dev.flywheel.lakehouse.LocalFiles;
import dev.flywheel.lakehouse.SparkSessions;
import dev.flywheel.lakehouse.TableCatalog;
import dev.flywheel.lakehouse.Tables;
import dev.flywheel.pipelines.bench.IngestBenchmark;
import dev.flywheel.pipelines.kafka.BrokerSettings;
import dev.flywheel.pipelines.kafka.KafkaBroker;
import dev.flywheel.serving.bench.ServeLoad;
import dev.flywheel.serving.http.RankServer;
import dev.flywheel.serving.http.ServerConfig;
import dev.flywheel.serving.impressions.ImpressionLog;
import dev.flywheel.serving.rank.ModelWatcher;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Benchmarks that write a JSON result; run them on an otherwise idle machine. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Run a benchmark and write its JSON result (run on an idle machine).",
    subcommands = {BenchCommand.Ingest.class, BenchCommand.Serve.class, BenchTrainCommand.class,
        BenchFeaturesCommand.class})
final class BenchCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing benchmark: ingest, serve, train or features");
  }

  /** Empties a benchmark's scratch catalog and opens the session on it with every table created. */
  static SparkSession scratchCatalog(FlywheelHome benchHome, Map<String, String> sparkConf) {
    deleteTree(benchHome.root());
    return openCatalog(benchHome, sparkConf);
  }

  /**
   * The session on the scratch catalog a previous run built, its registry and models emptied, so a run trains
   * cold against no champion, as on a new catalog.
   */
  static SparkSession reusedCatalog(FlywheelHome benchHome, Map<String, String> sparkConf) {
    SparkSession spark = openCatalog(benchHome, sparkConf);
    spark.sql("DELETE FROM " + Tables.MODEL_VERSIONS.qualifiedName());
    deleteTree(benchHome.models());
    return spark;
  }

  private static SparkSession openCatalog(FlywheelHome benchHome, Map<String, String> sparkConf) {
    SparkSession spark = SparkSessions.getOrCreate(benchHome, sparkConf);
    TableCatalog.ensureAll(spark, Tables.all());
    return spark;
  }

  private static void deleteTree(Path root) {
    try {
      LocalFiles.deleteTree(root);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot empty " + root + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code result} as pretty JSON and says where. */
  static void write(Map<String, Object> result, Path file, PrintWriter out) {
    try {
      Files.createDirectories(file.getParent());
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), result);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
    }
    out.println("result written to " + file);
    out.flush();
  }

  @Command(name = "ingest", mixinStandardHelpOptions = true,
      description = "Kafka-to-bronze events/s of the validated ingest against a bare Kafka-to-Delta append of the"
          + " same topic, in one run, both warmed up first on a topic a quarter the size, on a scratch catalog under"
          + " $FLYWHEEL_HOME/bench.")
  static final class Ingest implements Runnable {
    @ParentCommand
    BenchCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--events", defaultValue = "2000000", description = "Events in the topic (default: ${DEFAULT-VALUE}).")
    long events;

    @Option(names = "--max-offsets-per-trigger", defaultValue = "500000",
        description = "Records per micro-batch for both ingests (default: ${DEFAULT-VALUE}).")
    long maxOffsetsPerTrigger;

    @Option(names = "--latency-seconds", defaultValue = "60",
        description = "How long the continuous ingest is fed at half the measured rate (default: ${DEFAULT-VALUE}).")
    long latencySeconds;

    @Option(names = "--trigger-seconds", defaultValue = "10",
        description = "Trigger interval of the continuous ingest whose latency is measured (default: ${DEFAULT-VALUE}).")
    long triggerSeconds;

    @Option(names = "--port", defaultValue = "9192", description = "Port of the benchmark's broker (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--output", paramLabel = "FILE",
        description = "JSON result (default: $FLYWHEEL_HOME/reports/bench-ingest.json).")
    Path output;

    @Override
    public void run() {
      if (events < 1000) {
        throw new ParameterException(spec.commandLine(), "--events must be at least 1000");
      }
      if (triggerSeconds < 1) {
        throw new ParameterException(spec.commandLine(), "--trigger-seconds must be at least 1");
      }
      if (latencySeconds < 2 * triggerSeconds) {
        throw new ParameterException(spec.commandLine(),
            "--latency-seconds must be at least twice --trigger-seconds (" + 2 * triggerSeconds + ")");
      }
      Flywheel flywheel = parent.flywheel;
      FlywheelHome benchHome = new FlywheelHome(flywheel.home().root().resolve("bench"));
      SparkSession spark = SparkSessions.getOrCreate(benchHome, flywheel.sparkConf);
      TableCatalog.ensureAll(spark, Tables.all());
      KafkaBroker broker = new KafkaBroker(benchHome, BrokerSettings.defaults().withPort(port));
      broker.start();
      IngestBenchmark.Result result;
      try {
        result = IngestBenchmark.run(spark, benchHome, broker, events, maxOffsetsPerTrigger,
            Duration.ofSeconds(triggerSeconds), Duration.ofSeconds(latencySeconds));
      } finally {
        broker.stop();
      }
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("benchmark", "ingest");
      json.put("at", Instant.now().toString());
      json.put("cores", Runtime.getRuntime().availableProcessors());
      json.put("spark_master", spark.sparkContext().master());
      json.put("events", result.events());
      json.put("max_offsets_per_trigger", maxOffsetsPerTrigger);
      json.put("produce_seconds", result.produceSeconds());
      json.put("warmup_events", result.warmup().events());
      json.put("warmup_bare_append_seconds", result.warmup().bareSeconds());
      json.put("warmup_flywheel_ingest_seconds", result.warmup().flywheelSeconds());
      json.put("bare_append_seconds", result.bareSeconds());
      json.put("bare_append_events_per_second", result.bareEventsPerSecond());
      json.put("flywheel_ingest_seconds", result.flywheelSeconds());
      json.put("flywheel_ingest_events_per_second", result.flywheelEventsPerSecond());
      json.put("flywheel_over_bare", result.ratio());
      json.put("landed", result.landed());
      json.put("latency_rate_events_per_second", result.latency().ratePerSecond());
      json.put("latency_trigger_seconds", result.latency().triggerSeconds());
      json.put("latency_batches", result.latency().batches());
      json.put("latency_median_batch_p99_ms", result.latency().medianBatchP99Millis());
      json.put("latency_worst_batch_p99_ms", result.latency().worstBatchP99Millis());
      PrintWriter out = spec.commandLine().getOut();
      out.println(String.format(Locale.ROOT, "bare append %.0f events/s, flywheel ingest %.0f events/s (%.2f of bare);"
              + " at %.0f events/s with a %d s trigger: p99 event-to-commit %d ms (median batch), %d ms (worst batch)",
          result.bareEventsPerSecond(), result.flywheelEventsPerSecond(), result.ratio(),
          result.latency().ratePerSecond(), result.latency().triggerSeconds(), result.latency().medianBatchP99Millis(),
          result.latency().worstBatchP99Millis()));
      write(json, output != null ? output : flywheel.home().reports().resolve("bench-ingest.json"), out);
    }
  }

  @Command(name = "serve", mixinStandardHelpOptions = true,
      description = "Latency percentiles and throughput of POST /v1/rank at a target rate (open loop, 100 candidates"
          + " per request), against a server started in this process on $FLYWHEEL_HOME's champion, or --url; the"
          + " load generator runs in a JVM of its own.")
  static final class Serve implements Runnable {
    @ParentCommand
    BenchCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--rate", defaultValue = "1000", description = "Requests per second (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--seconds", defaultValue = "30", description = "Seconds measured (default: ${DEFAULT-VALUE}).")
    long seconds;

    @Option(names = "--warmup-seconds", defaultValue = "5",
        description = "Seconds sent before measuring (default: ${DEFAULT-VALUE}).")
    long warmupSeconds;

    @Option(names = "--candidates", defaultValue = "100", description = "Candidates per request (default: ${DEFAULT-VALUE}).")
    int candidates;

    @Option(names = "--items", defaultValue = "10000", description = "Item ids drawn from (default: ${DEFAULT-VALUE}).")
    int items;

    @Option(names = "--connections", defaultValue = "32", paramLabel = "N",
        description = "Keep-alive connections the load shares; a request due while all are busy waits for one,"
            + " and the wait counts in its latency (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--threads", paramLabel = "N",
        description = "Request handler threads of the in-process server (default: serve's default).")
    Integer threads;

    @Option(names = "--url", paramLabel = "URL",
        description = "Rank endpoint of a running server (default: start one here, impressions off).")
    URI url;

    @Option(names = "--output", paramLabel = "FILE",
        description = "JSON result (default: $FLYWHEEL_HOME/reports/bench-serve.json).")
    Path output;

    @Override
    public void run() {
      ServeLoad.Config load = Arguments.valid(spec, () -> new ServeLoad.Config(rate, Duration.ofSeconds(seconds),
          Duration.ofSeconds(warmupSeconds), candidates, items, 10_000, 1, connections));
      ServerConfig defaults = ServerConfig.defaults(0);
      ServerConfig serverConfig = Arguments.valid(spec, () -> new ServerConfig(defaults.host(), defaults.port(),
          threads != null ? threads : defaults.threads(), defaults.maxCandidates(), defaults.maxBodyBytes(),
          defaults.pollInterval()));
      Flywheel flywheel = parent.flywheel;
      ModelWatcher models = null;
      RankServer server = null;
      if (url == null) {
        models = ModelWatcher.forHome(flywheel.home().root());
        models.start(Duration.ofSeconds(1));
        server = RankServer.start(serverConfig, models, ImpressionLog.disabled());
      }
      ServeLoad.Result result;
      Map<String, Double> serviceMillis = null;
      try {
        result = ServeLoad.runInChildJvm(server != null ? server.rankUrl() : url, load);
        serviceMillis = server == null ? null : server.metrics().latencyMillis();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while benchmarking", e);
      } finally {
        if (server != null) {
          server.close();
          models.close();
        }
      }
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("benchmark", "serve");
      json.put("at", Instant.now().toString());
      json.put("cores", Runtime.getRuntime().availableProcessors());
      json.put("server", url == null ? "in-process, impressions off" : url.toString());
      json.put("server_jvm", serverJvm());
      json.put("server_jvm_options", ManagementFactory.getRuntimeMXBean().getInputArguments());
      json.put("server_threads", server == null ? null : server.threads());
      json.put("load_generator", "child JVM " + String.join(" ", ServeLoad.CHILD_JVM_OPTIONS) + ", "
          + result.connections() + " keep-alive connections");
      json.put("connections", result.connections());
      json.put("waited_for_connection", result.waitedForConnection());
      json.put("model_version", models == null ? null : models.current().modelVersion());
      json.put("target_rate_per_second", rate);
      json.put("candidates", candidates);
      json.put("measured_seconds", seconds);
      json.put("warmup_seconds", warmupSeconds);
      json.put("sent", result.sent());
      json.put("ok", result.ok());
      json.put("failed", result.failed());
      json.put("throughput_per_second", result.throughput());
      json.put("latency_p50_ms", result.p50Millis());
      json.put("latency_p95_ms", result.p95Millis());
      json.put("latency_p99_ms", result.p99Millis());
      json.put("latency_max_ms", result.maxMillis());
      // In the handler, from its first byte of work to the answer sent: what latency adds beyond it is
      // waiting (for a connection, in the network, for a handler thread, for the CPU).
      json.put("server_service_ms_last_4096", serviceMillis);
      json.put("target_p99_ms", 10);
      PrintWriter out = spec.commandLine().getOut();
      out.println(String.format(Locale.ROOT, "%d of %d requests OK at %.0f req/s (target %.0f): p50 %.2f ms,"
              + " p99 %.2f ms (target < 10 ms)", result.ok(), result.sent(), result.throughput(), rate,
          result.p50Millis(), result.p99Millis()));
      write(json, output != null ? output : flywheel.home().reports().resolve("bench-serve.json"), out);
    }

    /** The collectors and maximum heap of this JVM (the in-process server's): the tail depends on them. */
    private static String serverJvm() {
      return ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName)
          .collect(Collectors.joining(", ")) + "; max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024)
          + " MiB";
    }
  }
}
