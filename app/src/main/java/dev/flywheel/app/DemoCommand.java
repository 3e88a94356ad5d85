package dev.flywheel.app;

import dev.flywheel.features.FeatureConfig;
import dev.flywheel.features.FeatureTables;
import dev.flywheel.features.FeaturesJob;
import dev.flywheel.features.FeaturesJob.Scope;
import dev.flywheel.features.FeaturesResult;
import dev.flywheel.lakehouse.FlywheelHome;
import dev.flywheel.lakehouse.LakehouseException;
import dev.flywheel.lakehouse.ReadMode;
import dev.flywheel.lakehouse.RunRecord;
import dev.flywheel.pipelines.ingest.QuarantineReplay;
import dev.flywheel.pipelines.ingest.StreamingIngest;
import dev.flywheel.pipelines.kafka.BrokerSettings;
import dev.flywheel.pipelines.kafka.FeedbackProducers;
import dev.flywheel.pipelines.kafka.KafkaBroker;
import dev.flywheel.pipelines.simulate.EventSink;
import dev.flywheel.pipelines.simulate.EventSinks;
import dev.flywheel.pipelines.simulate.HttpRanker;
import dev.flywheel.pipelines.simulate.SimulationConfig;
import dev.flywheel.pipelines.simulate.TrafficSimulator;
import dev.flywheel.serving.http.RankServer;
import dev.flywheel.serving.http.ServerConfig;
import dev.flywheel.serving.impressions.ImpressionLog;
import dev.flywheel.serving.impressions.KafkaImpressionLog;
import dev.flywheel.serving.rank.ModelWatcher;
import dev.flywheel.serving.rank.RankRequest;
import dev.flywheel.serving.rank.RankResult;
import dev.flywheel.training.ModelRegistry;
import dev.flywheel.training.ModelVersion;
import dev.flywheel.training.TrainConfig;
import dev.flywheel.training.TrainJob;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * The closed loop on the embedded default, from nothing: a local broker and the ranking server (random
 * until a model exists), then three rounds of simulated traffic ranked by the server, each followed by
 * ingest and features: after the first the first model is trained and promoted, during the second the
 * users' preferences drift, after it an incremental retrain, and the third is served by its result. The
 * server logs every impression with its model version, so the report measures online CTR per version.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the whole loop on the embedded default: broker, server, simulated traffic, ingest, features,"
        + " train, promote, serve, a preference drift, an incremental retrain, serve again; print per model version"
        + " the offline AUC and the online CTR, and write an HTML report. Needs a home without model versions.")
final class DemoCommand implements Runnable {
  /** Event time each round of traffic spans: more than gold's settle delay, so each round reaches gold. */
  private static final Duration ROUND_SPAN = Duration.ofDays(4);
  private static final int ROUNDS = 3;
  private static final int USERS = 500;
  private static final int ITEMS = 300;
  /**
   * The demo's world: each request's candidate generator (popularity, the searched category) retrieves 100
   * of the 300 items, the server ranks them and the page shows the first 10, examined with the default
   * position bias {@code 1/(1+p)} and the default taste strength. As in e-commerce recommendation, the
   * ranker chooses what is shown, not only its order, so personal taste matters: the oracle is far above
   * random (about 2.8x, against 1.4x when the 10 shown are all the candidates), and ranking by item appeal
   * alone reaches about 1.7x.
   */
  private static final int CANDIDATES = 100;
  private static final int SLOTS = 10;

  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Option(names = "--requests", defaultValue = "2500",
      description = "Simulated ranking requests per round, 3 rounds (default: ${DEFAULT-VALUE}).")
  long requests;

  @Option(names = "--seed", defaultValue = "7", description = "Seed of the simulation (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--port", defaultValue = "9092", description = "Port of the local broker (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--serve-port", defaultValue = "0",
      description = "Port of the ranking server (default: ${DEFAULT-VALUE}, a free one).")
  int servePort;

  @Override
  public void run() {
    if (requests < 100) {
      throw new ParameterException(spec.commandLine(), "--requests must be at least 100 per round, was " + requests);
    }
    long began = System.nanoTime();
    PrintWriter out = spec.commandLine().getOut();
    FlywheelHome home = flywheel.home();
    SparkSession spark = flywheel.spark();
    step(out, "lakehouse: create or migrate the catalog under " + home.root());
    InitCommand.initialize(flywheel).forEach(change -> out.println("   " + change.describe()));
    ModelRegistry registry = ModelRegistry.onDelta(spark, home.models());
    int existingVersions = registry.list().size();
    if (existingVersions > 0) {
      throw new LakehouseException("The demo runs the loop from scratch, but " + home.root() + " already has "
          + existingVersions + " model versions; use a fresh home, e.g. bin/flywheel --home /tmp/flywheel-demo demo");
    }

    step(out, "kafka: start a local single-node KRaft broker");
    KafkaBroker broker = new KafkaBroker(home, BrokerSettings.defaults().withPort(port));
    out.println("   broker at " + broker.bootstrapServers() + (broker.start().started() ? " started" : " already running"));
    broker.ensureTopic(FeedbackProducers.DEFAULT_TOPIC, 2);

    Instant start = LocalDate.now(ZoneOffset.UTC).minusDays(ROUND_SPAN.toDays() * ROUNDS + 2).atStartOfDay()
        .toInstant(ZoneOffset.UTC);
    Instant driftAt = start.plus(ROUND_SPAN).plus(ROUND_SPAN.dividedBy(2));
    StringBuilder rounds = new StringBuilder(String.format(Locale.ROOT, "%-6s %-10s %8s %8s %8s %8s %8s %8s %8s%n",
        "round", "ranked_by", "served", "random", "appeal", "oracle", "s/random", "s/oracle", "o/random"));
    try (ModelWatcher models = ModelWatcher.forHome(home.root());
        KafkaImpressionLog impressions = new KafkaImpressionLog(broker.bootstrapServers(),
            FeedbackProducers.DEFAULT_TOPIC)) {
      models.start(Duration.ofMillis(500));
      try (RankServer server = RankServer.start(ServerConfig.defaults(servePort), models,
          new ShownImpressions(impressions, SLOTS))) {
        out.println("   ranking server at " + server.rankUrl() + ", model version " + models.current().modelVersion());
        for (int round = 1; round <= ROUNDS; round++) {
          String rankedBy = models.current().modelVersion();
          Instant roundStart = start.plus(ROUND_SPAN.multipliedBy(round - 1L));
          step(out, String.format(Locale.ROOT, "round %d: %d requests from %s, %d candidates each, the first %d"
              + " shown, ranked by model %s%s", round, requests, roundStart, CANDIDATES, SLOTS, rankedBy,
              round == 2 ? "; users' preferences drift at " + driftAt : ""));
          rounds.append(expectedLine(round, rankedBy,
              simulate(out, roundStart, driftAt, server, impressions, broker.bootstrapServers(), home)));
          // The last round's feedback only needs attributing, for its online CTR: no training follows it.
          ingestAndBuildFeatures(out, spark, broker, home, round < ROUNDS ? Scope.SILVER_AND_GOLD : Scope.SILVER);
          if (round < ROUNDS) {
            train(out, spark, home);
            out.println("   server now ranks with model " + awaitChampion(models, registry));
          }
        }
      }
    } finally {
      broker.stop();
    }

    step(out, "quarantine by reason (the simulator injects 1 % invalid records)");
    print(out, QuarantineReplay.summary(spark).select("reason", "records", "sample_detail"));
    step(out, "the loop per model version (online: silver.impressions by model_version; offline: the holdout)");
    out.print(ReportCommand.write(flywheel, null));
    step(out, "expected CTR per round under the simulator's hidden truth (served, random, ranked by item appeal,"
        + " the oracle; no click noise)");
    out.print(rounds);
    out.println(String.format(Locale.ROOT, "demo finished in %.1f min; broker stopped; data stays under %s",
        (System.nanoTime() - began) / 60e9, home.root()));
    out.flush();
  }

  /** One round of traffic: the server ranks and logs impressions, the simulator sends the feedback. */
  private TrafficSimulator.ExpectedClicks simulate(PrintWriter out, Instant roundStart, Instant driftAt, RankServer server,
      KafkaImpressionLog impressions, String bootstrap, FlywheelHome home) {
    double rate = requests / (double) ROUND_SPAN.toSeconds();
    SimulationConfig config = SimulationConfig.of(USERS, ITEMS, requests, seed, roundStart, rate, driftAt, 0.01)
        .withRoom(CANDIDATES, SLOTS, SimulationConfig.DEFAULT_TASTE_STRENGTH, SimulationConfig.DEFAULT_POSITION_BIAS)
        .withRankerLoggingImpressions();
    long began = System.nanoTime();
    TrafficSimulator simulator = new TrafficSimulator(config);
    TrafficSimulator.Summary summary;
    try (EventSink sink = EventSinks.kafka(bootstrap, FeedbackProducers.DEFAULT_TOPIC)) {
      summary = simulator.run(new HttpRanker(server.rankUrl(), Duration.ofSeconds(10)), sink);
    }
    impressions.flush();
    simulator.truth().write(home.reports().resolve("demo-simulation.truth.json"));
    out.println(String.format(Locale.ROOT, "   %d feedback events and %d invalid records from the simulator,"
        + " impressions from the server: %s%s", summary.total(), summary.invalid(), impressions.counts(), took(began)));
    out.println("   " + summary.expected().describe());
    return summary.expected();
  }

  private static String expectedLine(int round, String rankedBy, TrafficSimulator.ExpectedClicks expected) {
    return String.format(Locale.ROOT, "%-6d %-10s %8.4f %8.4f %8.4f %8.4f %7.2fx %7.0f%% %7.2fx%n", round, rankedBy,
        expected.servedCtr(), expected.randomCtr(), expected.appealCtr(), expected.oracleCtr(), expected.servedLift(),
        100 * expected.servedOfOracle(), expected.oracleLift());
  }

  private static void ingestAndBuildFeatures(PrintWriter out, SparkSession spark, KafkaBroker broker,
      FlywheelHome home, Scope scope) {
    long began = System.nanoTime();
    RunRecord ingest = StreamingIngest.run(spark, new StreamingIngest.Config(broker.bootstrapServers(),
        FeedbackProducers.DEFAULT_TOPIC, "earliest", 50_000, Duration.ofSeconds(1), true, Duration.ofHours(24),
        Map.of(), StreamingIngest.Config.defaultCheckpoint(home, FeedbackProducers.DEFAULT_TOPIC)));
    out.println("   ingest: " + ingest.rowsIn() + " records read, " + ingest.rowsOut() + " landed (valid + quarantined)"
        + took(began));
    long featuresBegan = System.nanoTime();
    FeaturesResult features = FeaturesJob.run(spark, FeatureTables.standard(), demoFeatures(), ReadMode.INCREMENTAL,
        scope, home.online());
    out.println(scope == Scope.SILVER
        ? "   features (silver only: the feedback attributed to its impressions; gold waits for the next run): "
            + features.run().rowsIn() + " bronze rows" + took(featuresBegan)
        : "   features: " + features.run().rowsIn() + " bronze rows, " + features.examples()
            + " new training examples, gold frontier " + features.frontier() + took(featuresBegan));
  }

  /**
   * The simulator sends each request's feedback at once, ratings dated up to a day after the impression,
   * so a micro-batch already holds event times up to a day ahead of the next batch's impressions: the
   * demo allows a day of event-time lateness (the default is 6 h) so they count.
   */
  private static FeatureConfig demoFeatures() {
    FeatureConfig defaults = FeatureConfig.defaults();
    return new FeatureConfig(defaults.clickWindow(), defaults.purchaseWindow(), Duration.ofDays(1),
        defaults.sessionGap(), defaults.halfLives(), defaults.priorStrength(), defaults.hashBuckets());
  }

  private static void train(PrintWriter out, SparkSession spark, FlywheelHome home) {
    long began = System.nanoTime();
    Optional<ModelVersion> trained = TrainJob.run(spark, TrainConfig.defaults(home.models())).version();
    if (trained.isEmpty()) {
      out.println("   train: no new training examples since the champion's window");
      return;
    }
    // The registry returns a promoted version as re-read after the promotion, so its status is current.
    ModelVersion version = trained.get();
    out.println(String.format(Locale.ROOT, "   train: version %d (%s), holdout AUC %.4f (LR %.4f, XGBoost %.4f),"
            + " warm start %s; gate: %s%s", version.version(), version.status().stored(), version.metrics().get("auc"),
        version.metrics().get("lr.auc"), version.metrics().get("xgboost.auc"), version.warmStart(),
        version.gateReason(), took(began)));
  }

  /** The version the server ranks with once it has picked up the registry's champion. */
  private static String awaitChampion(ModelWatcher models, ModelRegistry registry) {
    String champion = registry.champion().map(v -> String.valueOf(v.version())).orElse("random");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!models.current().modelVersion().equals(champion)) {
      if (System.nanoTime() > deadline) {
        throw new LakehouseException("The ranking server did not load champion " + champion + " within 60 s; it"
            + " still serves " + models.current().modelVersion());
      }
      models.refresh();
    }
    return champion;
  }

  /**
   * The impressions of the page: the server ranks all of a request's candidates, the page shows the first
   * {@code slots}, so only those are logged (an item ranked but not shown is no impression). Thread-safe
   * as the log it wraps.
   */
  private record ShownImpressions(ImpressionLog log, int slots) implements ImpressionLog {
    @Override
    public void log(RankRequest request, RankResult result) {
      int shown = Math.min(slots, result.items().size());
      log.log(request, new RankResult(result.requestId(), result.modelVersion(), result.items().subList(0, shown),
          Arrays.copyOf(result.scores(), shown)));
    }

    @Override
    public Map<String, Long> counts() {
      return log.counts();
    }

    @Override
    public void flush() {
      log.flush();
    }

    /** The wrapped log is the caller's to close. */
    @Override
    public void close() {}
  }

  private static String took(long began) {
    return String.format(Locale.ROOT, " (%.1f s)", (System.nanoTime() - began) / 1e9);
  }

  private static void step(PrintWriter out, String title) {
    out.println("== " + title);
    out.flush();
  }

  private static void print(PrintWriter out, Dataset<Row> rows) {
    ResultPrinter.print(rows, OutputFormat.TABLE, 50, out);
  }
}
