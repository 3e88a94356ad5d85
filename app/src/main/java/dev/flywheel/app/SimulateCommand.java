package dev.flywheel.app;

import dev.flywheel.pipelines.kafka.FeedbackProducers;
import dev.flywheel.pipelines.simulate.EventSink;
import dev.flywheel.pipelines.simulate.EventSinks;
import dev.flywheel.pipelines.simulate.HttpRanker;
import dev.flywheel.pipelines.simulate.Ranker;
import dev.flywheel.pipelines.simulate.SimulationConfig;
import dev.flywheel.pipelines.simulate.TrafficSimulator;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Simulates search and recommendation traffic with its feedback, to a JSON Lines file or to Kafka,
 * and writes the hidden truth (latent factors and biases) next to it. No Spark session is created.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = {"Simulate search and recommendation traffic and its feedback as contract events,"
        + " deterministic for a seed, to a JSON Lines file or Kafka; the hidden truth goes to --truth."})
final class SimulateCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Output output;

  static final class Output {
    @Option(names = "--output", paramLabel = "FILE", description = "Write to this .jsonl or .jsonl.gz file.")
    Path file;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Send to Kafka at these servers.")
    String bootstrap;
  }

  @Option(names = "--topic", paramLabel = "TOPIC", defaultValue = FeedbackProducers.DEFAULT_TOPIC,
      description = "Topic with --bootstrap (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(names = "--users", defaultValue = "1000", description = "Users (default: ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--items", defaultValue = "500", description = "Items (default: ${DEFAULT-VALUE}).")
  int items;

  @Option(names = "--requests", defaultValue = "10000",
      description = "Ranking requests, about 12 events each (default: ${DEFAULT-VALUE}).")
  long requests;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of every random choice (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--rate", paramLabel = "N", defaultValue = "0.2",
      description = "Mean requests per simulated second; a daily rhythm modulates it (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--start", paramLabel = "ISO-TIME",
      description = "Simulated time of the start, e.g. 2026-11-01T00:00:00Z (default: a midnight UTC early enough"
          + " that all events, late ratings included, lie before today).")
  Instant start;

  @Option(names = "--drift-at", paramLabel = "ISO-TIME",
      description = "From this time users' preferences rotate and items' biases shift.")
  Instant driftAt;

  @Option(names = "--bad-fraction", paramLabel = "P", defaultValue = "0",
      description = "Per valid event, the probability of an extra invalid record (not JSON, unknown event_type,"
          + " missing field, rating out of range) (default: ${DEFAULT-VALUE}).")
  double badFraction;

  @Option(names = "--ranker-url", paramLabel = "URL",
      description = "POST each request's candidates here and show them in the answer's order with its"
          + " model_version (default: random order, model_version \"random\").")
  URI rankerUrl;

  @Option(names = "--ranker-logs-impressions",
      description = "With --ranker-url: the ranker logs the impressions (flywheel serve does), so the simulation"
          + " emits only the feedback, under the request ids the ranker answers with.")
  boolean rankerLogsImpressions;

  @Option(names = "--candidates", paramLabel = "N", defaultValue = "" + SimulationConfig.DEFAULT_CANDIDATES,
      description = "Items per request that the ranker orders, drawn by popularity (the searched category first)"
          + " (default: ${DEFAULT-VALUE}).")
  int candidates;

  @Option(names = "--slots", paramLabel = "N",
      description = "Items shown per request: the ranker's first N of the candidates (default: all of them).")
  Integer slots;

  @Option(names = "--taste-strength", paramLabel = "S", defaultValue = "" + SimulationConfig.DEFAULT_TASTE_STRENGTH,
      description = "How much personal taste moves affinity: scales the users' latent factors, 0 for none"
          + " (default: ${DEFAULT-VALUE}).")
  double tasteStrength;

  @Option(names = "--position-bias", paramLabel = "B", defaultValue = "" + SimulationConfig.DEFAULT_POSITION_BIAS,
      description = "The exponent of the examination probability (1 + position)^-B, 0 for none"
          + " (default: ${DEFAULT-VALUE}).")
  double positionBias;

  @Option(names = "--truth", paramLabel = "FILE",
      description = "Where to write the hidden truth as JSON (default: next to --output as NAME.truth.json;"
          + " with --bootstrap $FLYWHEEL_HOME/reports/simulation-SEED.truth.json).")
  Path truth;

  @Override
  public void run() {
    SimulationConfig config = Arguments.valid(spec, () -> SimulationConfig.of(users, items, requests, seed,
        start != null ? start : SimulationConfig.defaultStart(requests, rate > 0 ? rate : 1,
            LocalDate.now(ZoneOffset.UTC)), rate, driftAt, badFraction)
        .withRoom(candidates, slots != null ? slots : candidates, tasteStrength, positionBias));
    if (rankerLogsImpressions) {
      if (rankerUrl == null) {
        throw new ParameterException(spec.commandLine(), "--ranker-logs-impressions needs --ranker-url");
      }
      if (config.slots() < config.candidates()) {
        throw new ParameterException(spec.commandLine(), "--slots " + config.slots() + " below --candidates "
            + config.candidates() + " cannot go with --ranker-logs-impressions: the ranking server logs every item it"
            + " ranks, including those the page does not show; let the simulator log them (drop"
            + " --ranker-logs-impressions) or show all the candidates");
      }
      config = config.withRankerLoggingImpressions();
    }
    TrafficSimulator simulator = new TrafficSimulator(config);
    Ranker ranker = rankerUrl == null ? simulator.randomRanker() : new HttpRanker(rankerUrl, Duration.ofSeconds(10));
    Path truthFile = truth != null ? truth : defaultTruth();
    String target = output.file != null ? output.file.toString() : topic + " on " + output.bootstrap;
    TrafficSimulator.Summary summary;
    try (EventSink sink = output.file != null ? EventSinks.jsonLines(output.file)
        : EventSinks.kafka(output.bootstrap, topic)) {
      summary = simulator.run(ranker, sink);
    }
    simulator.truth().write(truthFile);
    spec.commandLine().getOut().println(String.format(Locale.ROOT,
        "Simulated %d requests: %d events (%s) and %d invalid records, %s to %s, in %.1f s (%.0f records/s)%n"
            + "  %s%n  to %s%n  truth in %s",
        summary.requests(), summary.total(), summary.events().entrySet().stream()
            .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")), summary.invalid(),
        summary.firstRequest(), summary.lastEvent(), summary.elapsed().toMillis() / 1000.0, summary.perSecond(),
        summary.expected().describe(), target, truthFile));
  }

  private Path defaultTruth() {
    if (output.file == null) {
      return flywheel.home().reports().resolve("simulation-" + seed + ".truth.json");
    }
    String name = output.file.getFileName().toString().replaceFirst("(\\.jsonl)?(\\.gz)?$", "");
    return output.file.resolveSibling(name + ".truth.json");
  }
}
