package dev.flywheel.app;


import dev.flywheel.lakehouse.Tables;
import dev.flywheel.pipelines.ingest.Backfill;
import dev.flywheel.pipelines.ingest.BronzeWrites;
import dev.flywheel.pipelines.simulate.EventSink;
import dev.flywheel.pipelines.simulate.EventSinks;
import dev.flywheel.pipelines.simulate.Ranker;
import dev.flywheel.pipelines.simulate.SimulationConfig;
import dev.flywheel.pipelines.simulate.SimulationTruth;
import dev.flywheel.pipelines.simulate.TrafficSimulator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Comparator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Backfills simulated days of traffic with two rankers, random and a pre-drift oracle, so the
 * history has two model versions to compare and one that goes stale when the preferences drift: a
 * small lakehouse for the notebooks and the integration tests, built in a minute without a broker.
 * It writes bronze only (through the backfill's validation); run features and train after it.
 */
@Command(name = "demo-history", mixinStandardHelpOptions = true,
    description = "Backfill simulated days of search and recommendation traffic into bronze, half ranked at random,"
        + " half by a pre-drift oracle; the users' preferences drift at 3/4 of the span. Then run features and train.")
final class DemoHistoryCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Option(names = "--requests", defaultValue = "4000",
      description = "Simulated ranking requests, about 12 events each (default: ${DEFAULT-VALUE}).")
  long requests;

  @Option(names = "--days", defaultValue = "4", description = "Days the traffic spans, ending before today"
      + " (default: ${DEFAULT-VALUE}).")
  int days;

  @Option(names = "--seed", defaultValue = "7", description = "Seed of the simulation (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public void run() {
    if (requests < 1 || days < 1) {
      throw new ParameterException(spec.commandLine(), "--requests and --days must be at least 1");
    }
    Duration span = Duration.ofDays(days);
    double rate = requests / (double) span.toSeconds();
    Instant start = SimulationConfig.defaultStart(requests, rate, LocalDate.now(ZoneOffset.UTC));
    SimulationConfig config = Arguments.valid(spec, () -> SimulationConfig.of(500, 300, requests, seed, start, rate,
        start.plus(span.multipliedBy(3).dividedBy(4)), 0));
    TrafficSimulator simulator = new TrafficSimulator(config);
    Path file = flywheel.home().root().resolve("demo-history").resolve("events-" + seed + ".jsonl");
    TrafficSimulator.Summary summary;
    try (EventSink sink = EventSinks.jsonLines(file)) {
      summary = simulator.run(new HalfOracle(simulator.randomRanker(), simulator.truth(), start), sink);
    }
    InitCommand.initialize(flywheel);
    BronzeWrites.Landed landed = Backfill.run(flywheel.spark(), new Backfill.Config(file.toString()));
    PrintWriter out = spec.commandLine().getOut();
    out.println("demo history: " + summary.total() + " events of " + summary.requests() + " requests from "
        + summary.firstRequest() + " to " + summary.lastEvent() + ", " + landed.validEvents() + " landed in "
        + Tables.FEEDBACK_EVENTS.qualifiedName() + " (drift at " + config.driftAt() + "); next: features, then train");
    out.flush();
  }

  /**
   * Ranks every other request at random and the rest by the users' true pre-drift affinity, so the
   * history has two model versions to compare and one that goes stale when the preferences drift.
   */
  record HalfOracle(Ranker random, SimulationTruth truth, Instant beforeDrift) implements Ranker {
    static final String ORACLE_VERSION = "oracle-pre-drift";

    @Override
    public Ranking rank(Request request) {
      if ((request.requestId().hashCode() & 1) == 0) {
        return random.rank(request);
      }
      Comparator<String> byAffinity = Comparator.comparingDouble(item ->
          -truth.affinity(request.userId(), item, beforeDrift));
      return new Ranking(request.candidates().stream().sorted(byAffinity).toList(), ORACLE_VERSION,
          request.requestId());
    }
  }
}
