package dev.flywheel.app;

import dev.flywheel.pipelines.kafka.BrokerSettings;
import dev.flywheel.pipelines.kafka.BrokerStatus;
import dev.flywheel.pipelines.kafka.KafkaBroker;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * Starts, stops and reports the local single-node Kafka broker of the embedded default, whose data
 * and logs live under {@code $FLYWHEEL_HOME/kafka}. No Spark session is created.
 */
@Command(name = "kafka", mixinStandardHelpOptions = true,
    description = "Start, stop or report the local Kafka broker (KRaft, 127.0.0.1; data under $FLYWHEEL_HOME/kafka).",
    subcommands = {KafkaCommand.Start.class, KafkaCommand.Stop.class, KafkaCommand.Status.class})
final class KafkaCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Option(names = "--port", scope = ScopeType.INHERIT, paramLabel = "PORT", defaultValue = "9092",
      description = "Client port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--controller-port", scope = ScopeType.INHERIT, paramLabel = "PORT",
      description = "KRaft controller port on 127.0.0.1 (default: the client port + 1).")
  Integer controllerPort;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing command: start, stop or status");
  }

  /** The broker of the data root with the ports of the command line. */
  KafkaBroker broker(CommandSpec caller) {
    BrokerSettings settings;
    try {
      settings = BrokerSettings.defaults().withPort(port);
      if (controllerPort != null) {
        settings = settings.withControllerPort(controllerPort);
      }
    } catch (IllegalArgumentException e) {
      throw new ParameterException(caller.commandLine(), e.getMessage());
    }
    return new KafkaBroker(flywheel.home(), settings);
  }

  static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
  }

  /** {@code flywheel kafka start}. */
  @Command(name = "start", mixinStandardHelpOptions = true,
      description = "Start the broker (formats its storage on first use); a running broker is left alone.")
  static final class Start implements Runnable {
    @ParentCommand
    KafkaCommand kafka;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
      KafkaBroker broker = kafka.broker(spec);
      KafkaBroker.StartResult result = broker.start();
      PrintWriter out = spec.commandLine().getOut();
      if (result.started()) {
        out.println("Kafka broker started in " + seconds(result.elapsed()) + ": pid " + result.status().pid() + " on "
            + result.status().bootstrapServers() + " (data and logs under " + broker.directory() + ")");
      } else {
        out.println("Kafka broker already running: pid " + result.status().pid() + " on "
            + result.status().bootstrapServers() + "; nothing to do");
      }
    }
  }

  /** {@code flywheel kafka stop}. */
  @Command(name = "stop", mixinStandardHelpOptions = true,
      description = "Stop the broker: SIGTERM, then SIGKILL if it has not exited after 30 s.")
  static final class Stop implements Runnable {
    @ParentCommand
    KafkaCommand kafka;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
      KafkaBroker broker = kafka.broker(spec);
      Optional<KafkaBroker.StopResult> stopped = broker.stop();
      PrintWriter out = spec.commandLine().getOut();
      if (stopped.isEmpty()) {
        out.println("No Kafka broker running under " + broker.directory() + "; nothing to stop");
      } else {
        KafkaBroker.StopResult result = stopped.get();
        out.println("Kafka broker pid " + result.pid() + " stopped in " + seconds(result.elapsed())
            + (result.killed() ? " (killed: it did not exit after SIGTERM)" : ""));
      }
    }
  }

  /** {@code flywheel kafka status}. */
  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Whether the broker runs, its pid, bootstrap servers and topics.")
  static final class Status implements Runnable {
    @ParentCommand
    KafkaCommand kafka;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
      KafkaBroker broker = kafka.broker(spec);
      BrokerStatus status = broker.status();
      PrintWriter out = spec.commandLine().getOut();
      out.println("state      " + (status.running() ? "running" : "stopped"));
      if (status.running()) {
        out.println("pid        " + status.pid());
      }
      out.println("bootstrap  " + status.bootstrapServers());
      out.println("directory  " + broker.directory());
      if (status.running()) {
        out.println("topics     " + (status.topics().isEmpty() ? "(none)" : status.topics().stream()
            .map(topic -> topic.name() + " (" + topic.partitions() + " partitions)")
            .collect(Collectors.joining(", "))));
      }
    }
  }
}
