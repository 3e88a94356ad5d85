package dev.flywheel.app;

import dev.flywheel.pipelines.kafka.FeedbackProducers;
import dev.flywheel.serving.http.RankServer;
import dev.flywheel.serving.http.ServerConfig;
import dev.flywheel.serving.impressions.ImpressionLog;
import dev.flywheel.serving.impressions.KafkaImpressionLog;
import dev.flywheel.serving.rank.ModelWatcher;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Runs the ranking server on the champion of {@code $FLYWHEEL_HOME/models/CHAMPION.json} and the feature
 * snapshot of {@code $FLYWHEEL_HOME/online/CURRENT.json}, swapping either when it changes, and logs every
 * ranked item to Kafka as an impression. Runs until the process is stopped (SIGTERM flushes the
 * impressions). No Spark session is created.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serve rankings over HTTP (POST /v1/rank, GET /healthz, GET /metrics) with the champion model,"
        + " hot-swapped when it changes, and log every ranked item to Kafka as an impression."})
final class ServeCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Option(names = "--host", defaultValue = ServerConfig.DEFAULT_HOST,
      description = "Address to listen on (default: ${DEFAULT-VALUE}, loopback only).")
  String host;

  @Option(names = "--port", defaultValue = "" + ServerConfig.DEFAULT_PORT,
      description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(names = "--threads", description = "Request handler threads (default: one per core, at least 2).")
  Integer threads;

  @Option(names = "--max-candidates", defaultValue = "" + ServerConfig.DEFAULT_MAX_CANDIDATES,
      description = "Most candidates per request (default: ${DEFAULT-VALUE}).")
  int maxCandidates;

  @Option(names = "--max-body-bytes", defaultValue = "" + ServerConfig.DEFAULT_MAX_BODY_BYTES,
      description = "Largest request body read (default: ${DEFAULT-VALUE}).")
  int maxBodyBytes;

  @Option(names = "--poll-ms", defaultValue = "1000",
      description = "How often to check the champion and snapshot pointers, in ms (default: ${DEFAULT-VALUE}).")
  long pollMillis;

  @Option(names = "--bootstrap", defaultValue = "127.0.0.1:9092", paramLabel = "HOST:PORT",
      description = "Kafka bootstrap servers for the impressions (default: ${DEFAULT-VALUE}).")
  String bootstrap;

  @Option(names = "--topic", defaultValue = FeedbackProducers.DEFAULT_TOPIC,
      description = "Topic of the impressions (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(names = "--no-impressions", description = "Do not log impressions (no Kafka needed).")
  boolean noImpressions;

  @Override
  public void run() {
    ServerConfig config = Arguments.valid(spec, () -> {
      ServerConfig defaults = ServerConfig.defaults(port);
      return new ServerConfig(host, port, threads != null ? threads : defaults.threads(), maxCandidates,
          maxBodyBytes, Duration.ofMillis(pollMillis));
    });
    ModelWatcher models = ModelWatcher.forHome(flywheel.home().root());
    models.start(config.pollInterval());
    ImpressionLog impressions = noImpressions ? ImpressionLog.disabled() : new KafkaImpressionLog(bootstrap, topic);
    RankServer server;
    try {
      server = RankServer.start(config, models, impressions);
    } catch (RuntimeException e) {
      impressions.close();
      models.close();
      throw e;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      impressions.close();
      models.close();
    }, "flywheel-serve-shutdown"));
    PrintWriter out = spec.commandLine().getOut();
    out.println("serving " + server.rankUrl() + " with model version " + models.current().modelVersion()
        + " and snapshot " + models.current().snapshot().name() + "; impressions "
        + (noImpressions ? "off" : "to " + topic + " on " + bootstrap) + "; stop with Ctrl-C");
    out.flush();
    try {
      new CountDownLatch(1).await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
