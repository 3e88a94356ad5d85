package dev.flywheel.app;

import dev.flywheel.features.FeatureConfig;
import dev.flywheel.features.FeatureTables;
import dev.flywheel.features.FeaturesJob;
import dev.flywheel.features.FeaturesResult;
import dev.flywheel.features.OnlineSnapshot;
import dev.flywheel.lakehouse.ReadMode;
import dev.flywheel.lakehouse.FlywheelHome;
import dev.flywheel.lakehouse.RunRecord;
import dev.flywheel.lakehouse.Tables;
import dev.flywheel.pipelines.ingest.QuarantineReplay;
import dev.flywheel.pipelines.ingest.StreamingIngest;
import dev.flywheel.pipelines.kafka.BrokerSettings;
import dev.flywheel.pipelines.kafka.FeedbackProducers;
import dev.flywheel.pipelines.kafka.KafkaBroker;
import dev.flywheel.pipelines.simulate.EventSink;
import dev.flywheel.pipelines.simulate.EventSinks;
import dev.flywheel.pipelines.simulate.SimulationConfig;
import dev.flywheel.pipelines.simulate.TrafficSimulator;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Runs the whole loop on the embedded default; it grows with each capability. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the whole loop on the embedded default and print what it did.")
final class DemoCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Option(names = "--requests", defaultValue = "3000",
      description = "Simulated ranking requests, about 12 events each (default: ${DEFAULT-VALUE}).")
  long requests;

  @Option(names = "--seed", defaultValue = "7", description = "Seed of the simulation (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--port", defaultValue = "9092", description = "Port of the local broker (default: ${DEFAULT-VALUE}).")
  int port;

  /** The event time the simulated requests span. */
  private static final Duration TRAFFIC_SPAN = Duration.ofDays(4);

  @Override
  public void run() {
    PrintWriter out = spec.commandLine().getOut();
    FlywheelHome home = flywheel.home();
    SparkSession spark = flywheel.spark();
    step(out, "1. lakehouse: create or migrate the catalog under " + home.root());
    InitCommand.initialize(flywheel).forEach(change -> out.println("   " + change.describe()));

    step(out, "2. kafka: start a local single-node KRaft broker");
    KafkaBroker broker = new KafkaBroker(home, BrokerSettings.defaults().withPort(port));
    KafkaBroker.StartResult started = broker.start();
    out.println("   broker at " + broker.bootstrapServers() + (started.started() ? " started" : " already running"));
    broker.ensureTopic(FeedbackProducers.DEFAULT_TOPIC, 2);

    step(out, "3. simulate: " + requests + " search and recommendation requests over " + TRAFFIC_SPAN.toDays()
        + " days of event time, with feedback (1 % invalid)");
    // Gold settles in event time (the latest event time in bronze minus the purchase window and the
    // allowed lateness), so the traffic spans days of event time, enough for most of it to reach gold.
    double rate = Math.max(1, requests) / (double) TRAFFIC_SPAN.toSeconds();
    SimulationConfig simulation = SimulationConfig.of(500, 300, requests, seed,
        SimulationConfig.defaultStart(requests, rate, LocalDate.now(ZoneOffset.UTC)), rate, null, 0.01);
    TrafficSimulator simulator = new TrafficSimulator(simulation);
    TrafficSimulator.Summary summary;
    try (EventSink sink = EventSinks.kafka(broker.bootstrapServers(), FeedbackProducers.DEFAULT_TOPIC)) {
      summary = simulator.run(simulator.randomRanker(), sink);
    }
    simulator.truth().write(home.reports().resolve("demo-simulation.truth.json"));
    out.println("   sent " + summary.total() + " events and " + summary.invalid() + " invalid records: "
        + summary.events());

    step(out, "4. ingest: Kafka to bronze, exactly once, until the topic is drained");
    RunRecord ingest = StreamingIngest.run(spark, new StreamingIngest.Config(broker.bootstrapServers(),
        FeedbackProducers.DEFAULT_TOPIC, "earliest", 20_000, Duration.ofSeconds(1), true, Duration.ofHours(24),
        Map.of(), StreamingIngest.Config.defaultCheckpoint(home, FeedbackProducers.DEFAULT_TOPIC)));
    out.println("   " + ingest.rowsIn() + " records read, " + ingest.rowsOut() + " landed (valid + quarantined)");
    print(out, spark.sql("SELECT event_type, count(*) AS events, count(DISTINCT user_id) AS users,"
        + " min(event_time) AS first, max(event_time) AS last FROM " + Tables.FEEDBACK_EVENTS.qualifiedName()
        + " GROUP BY event_type ORDER BY events DESC"));
    step(out, "   quarantine by reason");
    print(out, QuarantineReplay.summary(spark).select("reason", "records", "open", "sample_detail"));
    step(out, "   micro-batches (ops.ingest_batches)");
    print(out, spark.sql("SELECT count(*) AS batches, sum(records) AS records, max(latency_p99_ms) AS worst_p99_ms"
        + " FROM " + Tables.INGEST_BATCHES.qualifiedName()));

    step(out, "5. features: bronze to silver and gold, point-in-time training examples");
    // The simulator sends each request's feedback at once, ratings dated up to a day after the
    // impression, so a micro-batch already holds event times up to a day ahead of the next batch's
    // impressions: the demo allows a day of event-time lateness (the default is 6 h) so they count.
    FeatureConfig defaults = FeatureConfig.defaults();
    FeatureConfig demoFeatures = new FeatureConfig(defaults.clickWindow(), defaults.purchaseWindow(),
        Duration.ofDays(1), defaults.sessionGap(), defaults.halfLives(), defaults.priorStrength(),
        defaults.hashBuckets());
    FeaturesResult features = FeaturesJob.run(spark, FeatureTables.standard(), demoFeatures, ReadMode.INCREMENTAL,
        home.online());
    out.println("   run " + features.run().sequence() + ": " + features.run().rowsIn() + " bronze rows, "
        + features.examples() + " new training examples, frontier " + features.frontier() + ", feedback "
        + features.feedback());
    print(out, spark.sql("SELECT request_id, item_id, user_id, event_time, session_id, clicked, purchased, rating"
        + " FROM " + Tables.IMPRESSIONS.qualifiedName() + " ORDER BY event_time DESC LIMIT 5"));
    print(out, spark.sql("SELECT count(*) AS impressions, round(avg(cast(clicked AS int)), 4) AS ctr,"
        + " round(avg(cast(purchased AS int)), 4) AS purchase_rate, count(DISTINCT session_id) AS sessions FROM "
        + Tables.IMPRESSIONS.qualifiedName()));
    out.println("   gold holds the impressions " + demoFeatures.settleDelay().toHours() + " h of event time before the"
        + " latest event (purchase window + allowed lateness): " + spark.table(Tables.TRAINING_EXAMPLES.qualifiedName())
        .count() + " training examples; online feature snapshot " + home.online().resolve(OnlineSnapshot.POINTER));

    step(out, "6. tables");
    out.flush();
    TablesCommand.printTables(spark, out);
    broker.stop();
    out.println("broker stopped; data stays under " + home.root() + " (query it with `bin/flywheel sql`)");
    out.flush();
  }

  private static void step(PrintWriter out, String title) {
    out.println("== " + title);
    out.flush();
  }

  private static void print(PrintWriter out, org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> rows) {
    ResultPrinter.print(rows, OutputFormat.TABLE, 50, out);
  }
}
