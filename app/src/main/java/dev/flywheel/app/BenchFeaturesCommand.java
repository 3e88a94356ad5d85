package dev.flywheel.app;

import dev.flywheel.features.FeatureConfig;
import dev.flywheel.features.FeatureTables;
import dev.flywheel.features.FeaturesJob;
import dev.flywheel.features.FeaturesResult;
import dev.flywheel.features.OnlineSnapshot;
import dev.flywheel.lakehouse.FlywheelHome;
import dev.flywheel.lakehouse.LakehouseException;
import dev.flywheel.lakehouse.LocalFiles;
import dev.flywheel.lakehouse.ReadMode;
import dev.flywheel.lakehouse.Tables;
import dev.flywheel.pipelines.ingest.Backfill;
import dev.flywheel.pipelines.ingest.BronzeWrites;
import dev.flywheel.pipelines.simulate.EventSink;
import dev.flywheel.pipelines.simulate.EventSinks;
import dev.flywheel.pipelines.simulate.SimulationConfig;
import dev.flywheel.pipelines.simulate.TrafficSimulator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code flywheel bench features}: the features job's full build on simulated events, an incremental run after
 * 1 % more, and the same aggregations in DuckDB, on a scratch catalog under {@code $FLYWHEEL_HOME/bench-features}.
 */
@Command(name = "features", mixinStandardHelpOptions = true,
    description = "Rows/s of a full features build (silver, gold, training examples) on simulated events, the time"
        + " of an incremental run after 1 %% more events relative to it, and the same aggregations in DuckDB as a"
        + " ratio; on a scratch catalog $FLYWHEEL_HOME/bench-features (emptied first; the simulated input is kept"
        + " there and reused).")
final class BenchFeaturesCommand implements Runnable {
  /** The new events of the incremental run, as a share of the full build's. */
  static final double INCREMENT_SHARE = 0.01;
  /** Simulated days of traffic, whatever the event count (the frontier trails the latest event by 30 h). */
  static final int SIMULATED_DAYS = 14;

  @ParentCommand
  BenchCommand parent;

  @Spec
  CommandSpec spec;

  @Option(names = "--events", defaultValue = "5000000",
      description = "Events of the full build (default: ${DEFAULT-VALUE}); 1 %% more arrive for the incremental run.")
  long events;

  @Option(names = "--users", defaultValue = "100000", description = "Simulated users (default: ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--items", defaultValue = "20000", description = "Simulated items (default: ${DEFAULT-VALUE}).")
  int items;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the simulation (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--duckdb-jar", paramLabel = "JAR",
      description = "The org.duckdb:duckdb_jdbc jar (default: the local Maven repository, where bin/fetch-duckdb"
          + " puts it).")
  Path duckdbJar;

  @Option(names = "--skip-duckdb", description = "Do not run the DuckDB baseline.")
  boolean skipDuckdb;

  @Option(names = "--output", paramLabel = "FILE",
      description = "JSON result (default: $FLYWHEEL_HOME/reports/bench-features.json).")
  Path output;

  @Override
  public void run() {
    if (events < 10_000) {
      throw new ParameterException(spec.commandLine(), "--events must be at least 10000");
    }
    long incrementEvents = (long) Math.ceil(events * INCREMENT_SHARE);
    // Every request shows 10 items, so this many requests emit at least the events wanted; the rest is dropped.
    long requests = (events + incrementEvents) / SimulationConfig.DEFAULT_CANDIDATES + 1;
    SimulationConfig simulation = Arguments.valid(spec, () -> {
      double rate = requests / (double) Duration.ofDays(SIMULATED_DAYS).toSeconds();
      return SimulationConfig.of(users, items, requests, seed,
          SimulationConfig.defaultStart(requests, rate, LocalDate.now(ZoneOffset.UTC)), rate, null, 0);
    });
    Path jar = duckdbJar != null ? duckdbJar : DuckDbFeatures.defaultJar();
    if (!skipDuckdb && !Files.isRegularFile(jar)) {
      throw new ParameterException(spec.commandLine(), "No DuckDB JDBC jar at " + jar
          + "; run bin/fetch-duckdb, pass --duckdb-jar, or --skip-duckdb");
    }
    Flywheel flywheel = parent.flywheel;
    Path root = flywheel.home().root().resolve("bench-features");
    Path input = root.resolve("input-" + events + "-" + users + "-" + items + "-" + seed);
    FlywheelHome benchHome = new FlywheelHome(root.resolve("catalog"));
    PrintWriter out = spec.commandLine().getOut();
    double simulateSeconds = simulate(simulation, input, events, incrementEvents, out);

    SparkSession spark = BenchCommand.scratchCatalog(benchHome, flywheel.sparkConf);
    FeatureConfig config = FeatureConfig.defaults();
    FeatureTables tables = FeatureTables.standard();
    Timed<BronzeWrites.Landed> landed = timed(() -> Backfill.run(spark,
        new Backfill.Config(input.resolve("base.jsonl").toString())));
    // The Parquet files of bronze's snapshot after this one load: what the full build reads, and DuckDB after it.
    List<String> bronzeFiles = Arrays.asList(spark.table(Tables.FEEDBACK_EVENTS.qualifiedName()).inputFiles());
    Timed<FeaturesResult> full = timed(() -> FeaturesJob.run(spark, tables, config, ReadMode.FULL));
    if (full.value().examples() == 0) {
      throw new LakehouseException("The full build made no training example from " + landed.value().validEvents()
          + " events; the simulated traffic is shorter than the settle delay");
    }
    Timed<?> fullExport = timed(() -> OnlineSnapshot.export(spark, tables, benchHome.online()));
    Timed<BronzeWrites.Landed> landedIncrement = timed(() -> Backfill.run(spark,
        new Backfill.Config(input.resolve("increment.jsonl").toString())));
    Timed<FeaturesResult> incremental = timed(() -> FeaturesJob.run(spark, tables, config, ReadMode.INCREMENTAL));
    Timed<?> incrementalExport = timed(() -> OnlineSnapshot.export(spark, tables, benchHome.online()));
    DuckDbFeatures.Result duck = skipDuckdb ? null
        : DuckDbFeatures.run(jar, root.resolve("duckdb").resolve("features.duckdb"), bronzeFiles, config);

    long bronzeRows = landed.value().validEvents();
    double fullRowsPerSecond = bronzeRows / full.seconds();
    double incrementalShare = incremental.seconds() / full.seconds();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("benchmark", "features");
    json.put("at", Instant.now().toString());
    json.put("cores", Runtime.getRuntime().availableProcessors());
    json.put("spark_master", spark.sparkContext().master());
    json.put("shuffle_partitions", spark.conf().get("spark.sql.shuffle.partitions"));
    json.put("simulation", Map.of("users", users, "items", items, "seed", seed, "requests", requests,
        "days", SIMULATED_DAYS, "seconds", simulateSeconds));
    json.put("bronze_rows", bronzeRows);
    json.put("land_seconds", landed.seconds());
    json.put("full_seconds", full.seconds());
    json.put("full_rows_per_second", fullRowsPerSecond);
    json.put("full_training_examples", full.value().examples());
    json.put("full_online_export_seconds", fullExport.seconds());
    json.put("increment_rows", landedIncrement.value().validEvents());
    json.put("increment_land_seconds", landedIncrement.seconds());
    json.put("incremental_seconds", incremental.seconds());
    json.put("incremental_training_examples", incremental.value().examples());
    json.put("incremental_online_export_seconds", incrementalExport.seconds());
    json.put("incremental_over_full", incrementalShare);
    json.put("target_incremental_over_full", 0.10);
    if (duck != null) {
      json.put("duckdb_version", DuckDbFeatures.VERSION);
      json.put("duckdb_threads", duck.threads());
      json.put("duckdb_seconds", duck.seconds());
      json.put("duckdb_training_examples", duck.examples());
      json.put("duckdb_step_seconds", duck.stepSeconds());
      json.put("flywheel_over_duckdb", full.seconds() / duck.seconds());
      json.put("target_flywheel_over_duckdb", 3.0);
    }
    out.println(String.format(Locale.ROOT, "full build: %d bronze rows in %.1f s (%.0f rows/s), %d training examples;"
            + " incremental after %d more: %.1f s = %.1f %% of the full build (target <= 10 %%)", bronzeRows,
        full.seconds(), fullRowsPerSecond, full.value().examples(), landedIncrement.value().validEvents(),
        incremental.seconds(), 100 * incrementalShare));
    out.println(String.format(Locale.ROOT, "landing (not in the figures): %.1f s, online export %.1f s", landed.seconds(),
        fullExport.seconds()));
    if (incremental.value().examples() == 0) {
      out.println("warning: the incremental run built no training example (the gold frontier did not move), so its"
          + " time measures no gold work");
    }
    if (duck != null) {
      out.println(String.format(Locale.ROOT, "DuckDB %s, same aggregations: %.1f s, %d training examples;"
              + " Flywheel takes %.2fx DuckDB's time (target <= 3x); slowest DuckDB steps: %s", DuckDbFeatures.VERSION,
          duck.seconds(), duck.examples(), full.seconds() / duck.seconds(), DuckDbFeatures.slowest(duck)));
    }
    BenchCommand.write(json, output != null ? output : flywheel.home().reports().resolve("bench-features.json"), out);
  }

  /**
   * Writes the first {@code base} simulated events to {@code input/base.jsonl} and the next {@code increment}
   * to {@code input/increment.jsonl}, unless both exist; returns the seconds it took (0 when reused). The
   * simulator emits in event-time order, so the increment is what happened after the base (the same users and
   * items), late ratings of the base's requests included: it moves the gold frontier at every size.
   */
  private static double simulate(SimulationConfig simulation, Path input, long base, long increment,
      PrintWriter out) {
    // COMPLETE-v2: inputs split before the simulator emitted in time order are not reused.
    Path done = input.resolve("COMPLETE-v2");
    if (Files.exists(done)) {
      out.println("reusing the simulated events in " + input);
      return 0;
    }
    emptied(input);
    long began = System.nanoTime();
    try (EventSink baseSink = EventSinks.jsonLines(input.resolve("base.jsonl"));
         EventSink incrementSink = EventSinks.jsonLines(input.resolve("increment.jsonl"))) {
      TrafficSimulator simulator = new TrafficSimulator(simulation);
      simulator.run(simulator.randomRanker(), new EventSink() {
        private long written;

        @Override
        public void accept(String key, String json) {
          if (written < base) {
            baseSink.accept(key, json);
          } else if (written < base + increment) {
            incrementSink.accept(key, json);
          }
          written++;
        }

        @Override
        public void close() {}
      });
      Files.createFile(done);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the simulated events to " + input + ": " + e.getMessage(), e);
    }
    return (System.nanoTime() - began) / 1e9;
  }

  private static void emptied(Path folder) {
    try {
      LocalFiles.deleteTree(folder);
      Files.createDirectories(folder);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot empty " + folder + ": " + e.getMessage(), e);
    }
  }

  /** A value and the wall-clock seconds it took. */
  record Timed<T>(T value, double seconds) {}

  private static <T> Timed<T> timed(Supplier<T> work) {
    long began = System.nanoTime();
    T value = work.get();
    return new Timed<>(value, (System.nanoTime() - began) / 1e9);
  }
}
