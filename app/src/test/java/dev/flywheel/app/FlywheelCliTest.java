package dev.flywheel.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.lakehouse.SharedSpark;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.AnnotatedElement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IllegalFormatException;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/** The CLI's contract with its users: usage errors exit 2, failures exit 1 with one line. */
class FlywheelCliTest {
  record Result(int exitCode, String out, String err) {}

  @BeforeAll
  static void sharedSession() {
    SharedSpark.session();
  }

  static Result cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Flywheel flywheel = new Flywheel();
    List<String> withHome = new ArrayList<>(List.of(args));
    withHome.add(0, "--home=" + SharedSpark.home().root());
    int code = Flywheel.run(flywheel, new PrintWriter(out, true), new PrintWriter(err, true),
        args.length > 0 && args[0].startsWith("-") ? args : withHome.toArray(String[]::new));
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void helpListsEveryCommand() {
    Result help = cli("--help");

    assertEquals(0, help.exitCode());
    for (String command : List.of("init", "tables", "sql", "sql-server", "runs", "maintain", "kafka", "publish",
        "simulate", "ingest", "backfill", "quarantine", "import", "features", "train", "models", "serve", "gpu-check",
        "bench", "describe", "report", "demo", "demo-history")) {
      assertTrue(help.out().contains("\n  " + command + " "), command + " missing from\n" + help.out());
    }
  }

  /**
   * picocli formats every description with {@code String.format}; a bare '%' (as in "10%") cannot be formatted,
   * and the help then prints a warning and the raw text instead.
   */
  @Test
  void everyHelpTextFormats() {
    List<String> unformattable = new ArrayList<>();
    ArrayDeque<CommandLine> commands = new ArrayDeque<>();
    commands.add(new CommandLine(new Flywheel()));
    while (!commands.isEmpty()) {
      CommandLine command = commands.poll();
      commands.addAll(command.getSubcommands().values());
      CommandSpec spec = command.getCommandSpec();
      List<String> texts = new ArrayList<>(List.of(spec.usageMessage().description()));
      // An option's description() has its variables already replaced, so read the annotation's own text.
      spec.options().stream().map(OptionSpec::userObject).filter(AnnotatedElement.class::isInstance)
          .map(element -> ((AnnotatedElement) element).getAnnotation(Option.class))
          .forEach(option -> texts.addAll(List.of(option.description())));
      for (String text : texts) {
        try {
          String.format(text);
        } catch (IllegalFormatException e) {
          unformattable.add(spec.qualifiedName() + ": " + text);
        }
      }
    }
    assertTrue(unformattable.isEmpty(), "write '%%' for a percent sign in:\n" + String.join("\n", unformattable));
  }

  @Test
  void trainRejectsAnUnknownLabelAndModelsListsAnEmptyRegistryAndReproducesNothing() {
    Result badLabel = cli("train", "--label", "dwell");
    assertEquals(2, badLabel.exitCode());
    assertTrue(badLabel.err().contains("label dwell is not one of"), badLabel.err());
    Result badEta = cli("train", "--eta", "2");
    assertEquals(2, badEta.exitCode());
    assertTrue(badEta.err().contains("eta 2.0 must be in (0, 1]") && badEta.err().contains("Usage:"), badEta.err());

    assertEquals(0, cli("init").exitCode());
    Result list = cli("models", "list");
    assertEquals(0, list.exitCode(), list.err());
    assertEquals("no model versions yet: `flywheel train` registers the first one\n", list.out());
    Result rollback = cli("models", "rollback");
    assertEquals(1, rollback.exitCode());
    assertTrue(rollback.err().contains("Cannot roll back: ml.model_versions has no champion"), rollback.err());
    Result reproduce = cli("train", "--reproduce", "9");
    assertEquals(1, reproduce.exitCode());
    assertTrue(reproduce.err().contains("Cannot reproduce v9: no such version"), reproduce.err());
    Result benchWithoutInput = cli("bench", "train");
    assertEquals(2, benchWithoutInput.exitCode());
    assertTrue(benchWithoutInput.err().contains("--movielens=DIR | --events=PATH"), benchWithoutInput.err());
    Result noUsers = cli("bench", "train", "--simulator", "--users", "0");
    assertEquals(2, noUsers.exitCode());
    assertTrue(noUsers.err().contains("--users must be at least 1, got 0"), noUsers.err());
    Result tinyFeaturesBench = cli("bench", "features", "--events", "5");
    assertEquals(2, tinyFeaturesBench.exitCode());
    assertTrue(tinyFeaturesBench.err().contains("--events must be at least 10000"), tinyFeaturesBench.err());
  }

  @Test
  void anUnknownCommandPrintsTheUsageAndExits2() {
    Result result = cli("frobnicate");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().startsWith("Unmatched argument at index 1: 'frobnicate'"), result.err());
    assertTrue(result.err().contains("Usage: flywheel"), result.err());
  }

  @Test
  void quarantineReplayRejectsAnUnknownReasonWithTheKnownOnes() {
    Result result = cli("quarantine", "replay", "--reason", "bogus_reason");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().startsWith("Unknown --reason 'bogus_reason'; the reasons are empty, too_large, not_utf8,"),
        result.err());
    assertTrue(result.err().contains("Usage: flywheel quarantine replay"), result.err());
  }

  @Test
  void aBadOptionValueExits2WithTheReason() {
    Result result = cli("sql", "--format", "xml", "SELECT 1");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().contains("'xml' is not a format; use table, csv or json"), result.err());
  }

  @Test
  void aFullFeaturesRunCannotBeSilverOnly() {
    Result result = cli("features", "--full", "--silver-only");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().startsWith("--full empties gold and rebuilds it: drop --silver-only"), result.err());
    assertTrue(result.err().contains("Usage: flywheel features"), result.err());
  }

  @Test
  void theSqlServerAndTheDemoHistoryRejectImpossibleValuesBeforeStartingAnything() {
    Result port = cli("sql-server", "--port", "70000");
    Result days = cli("demo-history", "--days", "0");

    assertEquals(2, port.exitCode());
    assertTrue(port.err().startsWith("--port must be 1..65535, got 70000"), port.err());
    assertTrue(port.err().contains("Usage: flywheel sql-server"), port.err());
    assertEquals(2, days.exitCode());
    assertTrue(days.err().startsWith("--requests and --days must be at least 1"), days.err());
  }

  @Test
  void aFailingStatementPrintsOneLineAndExits1() {
    Result result = cli("sql", "SELECT * FROM nowhere.nothing");

    assertEquals(1, result.exitCode());
    assertEquals(List.of(
        "flywheel sql: [TABLE_OR_VIEW_NOT_FOUND] The table or view `nowhere`.`nothing` cannot be found."
            + " Verify the spelling and correctness of the schema and catalog.",
        "(run with --verbose for the stack trace)"), result.err().lines().toList().subList(0, 2));
  }

  @Test
  void initTwiceChangesNothingAndTablesShowsTheCatalog() {
    Result first = cli("init");
    Result second = cli("init");
    Result tables = cli("tables", "--format", "csv");

    assertEquals(0, first.exitCode(), first.err());
    assertTrue(second.out().contains("bronze.feedback_events: unchanged"), second.out());
    assertTrue(tables.out().startsWith("table,version,rows,size,files,description"), tables.out());
    assertTrue(tables.out().contains("ops.job_runs,0,0,"), tables.out());
  }

  @Test
  void sqlPrintsAnAlignedTableOrJson() {
    Result table = cli("sql", "SELECT 1 AS one, 'x' AS letter, map('k', 'v') AS context");
    Result json = cli("sql", "--format=json", "SELECT 1 AS one, 'x' AS letter");

    assertEquals(List.of("one  letter  context", "---  ------  --------", "1    x       {k -> v}", "(1 row)"),
        table.out().lines().toList());
    assertEquals("{\"one\":1,\"letter\":\"x\"}\n", json.out());
  }

  @Test
  void maintainRefusesAShortRetentionAndRecordsItsRuns() {
    cli("init");
    Result refused = cli("maintain", "--retention-hours", "1");
    Result done = cli("maintain", "--table", "bronze.feedback_quarantine");
    Result runs = cli("runs", "--job", "maintain", "--format", "csv");

    assertEquals(1, refused.exitCode());
    assertTrue(refused.err().startsWith("flywheel maintain: Refusing to VACUUM with a retention of 1 h"),
        refused.err());
    assertEquals(0, done.exitCode(), done.err());
    assertTrue(runs.out().lines().skip(1).findFirst().orElse("").contains(",maintain,1,1,succeeded,"), runs.out());
  }

  @Test
  void maintainRejectsAnUnknownTable() {
    Result result = cli("maintain", "--table", "gold.nothing");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().startsWith("Unknown table gold.nothing; known: [bronze.feedback_events,"), result.err());
  }

  @Test
  void anUnknownKafkaCommandPrintsTheKafkaUsageAndExits2() {
    Result result = cli("kafka", "restart");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().startsWith("Unmatched argument at index 2: 'restart'"), result.err());
    assertTrue(result.err().contains("Usage: flywheel kafka"), result.err());
    assertTrue(result.err().contains("start   Start the broker"), result.err());
  }

  @Test
  void kafkaStatusWithoutABrokerSaysStopped() {
    Result result = cli("kafka", "status", "--port", "19092");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(List.of("state      stopped", "bootstrap  127.0.0.1:19092"), result.out().lines().limit(2).toList());
  }

  @Test
  void publishingAMissingFilePrintsOneLineAndExits1() {
    Path missing = SharedSpark.home().root().resolve("no-such-events.jsonl");

    Result result = cli("publish", "--input", missing.toString());

    assertEquals(1, result.exitCode());
    assertEquals(List.of("flywheel publish: Input file " + missing + " does not exist",
        "(run with --verbose for the stack trace)"), result.err().lines().toList());
  }

  @Test
  void simulateWritesEventsAndTheTruthNextToThem() throws IOException {
    Path events = SharedSpark.home().root().resolve("sim").resolve("events.jsonl");

    Result result = cli("simulate", "--output", events.toString(), "--requests", "20", "--users", "10",
        "--items", "30", "--start", "2026-11-01T00:00:00Z");

    assertEquals(0, result.exitCode(), result.err());
    assertTrue(result.out().startsWith("Simulated 20 requests: "), result.out());
    assertTrue(Files.readAllLines(events).size() >= 200);
    assertTrue(Files.exists(events.resolveSibling("events.truth.json")));
  }

  @Test
  void simulateShowsTheRankersFirstSlotsOfTheCandidatesAndReportsTheShareOfTheOracle() throws IOException {
    Path events = SharedSpark.home().root().resolve("sim").resolve("room.jsonl");

    Result result = cli("simulate", "--output", events.toString(), "--requests", "20", "--users", "10",
        "--items", "60", "--candidates", "30", "--slots", "5", "--taste-strength", "1.5", "--position-bias", "0.8",
        "--start", "2026-11-01T00:00:00Z");

    assertEquals(0, result.exitCode(), result.err());
    assertTrue(result.out().contains("% of the oracle (the oracle, the ceiling of any ranker, "), result.out());
    assertEquals(100, Files.readAllLines(events).stream().filter(line -> line.contains("\"impression\"")).count());
    JsonNode truth = new ObjectMapper().readTree(events.resolveSibling("room.truth.json").toFile());
    assertEquals(0.8, truth.get("position_bias").asDouble());
  }

  @Test
  void simulateRejectsARoomOutOfRangeWithUsage() {
    Result slots = cli("simulate", "--output", "x.jsonl", "--candidates", "30", "--slots", "31");
    Result taste = cli("simulate", "--output", "x.jsonl", "--taste-strength", "-1");
    Result logged = cli("simulate", "--output", "x.jsonl", "--candidates", "30", "--slots", "10", "--ranker-url",
        "http://127.0.0.1:9/v1/rank", "--ranker-logs-impressions");

    assertEquals(2, slots.exitCode());
    assertTrue(slots.err().startsWith("--slots must be within 1..--candidates (30): the page shows some of the"
        + " candidates, got 31"), slots.err());
    assertEquals(2, taste.exitCode());
    assertTrue(taste.err().startsWith("--taste-strength must be within 0..10"), taste.err());
    assertEquals(2, logged.exitCode());
    assertTrue(logged.err().startsWith("--slots 10 below --candidates 30 cannot go with --ranker-logs-impressions"),
        logged.err());
  }

  @Test
  void simulateNeedsExactlyOneOutput() {
    Result result = cli("simulate", "--requests", "5");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().startsWith("Error: Missing required argument (specify one of these):"
        + " (--output=FILE | --bootstrap=HOST:PORT)"), result.err());
  }

  @Test
  void serveAndItsBenchmarkRejectBadSettingsWithUsage() {
    Result port = cli("serve", "--port", "70000", "--no-impressions");
    Result rate = cli("bench", "serve", "--rate", "0");
    Result logs = cli("simulate", "--output", "x.jsonl", "--ranker-logs-impressions");

    assertEquals(2, port.exitCode());
    assertTrue(port.err().startsWith("--port must be within 0..65535, got 70000"), port.err());
    assertEquals(2, rate.exitCode());
    assertTrue(rate.err().startsWith("--rate must be within (0, 100000], got 0.0"), rate.err());
    assertEquals(2, logs.exitCode());
    assertTrue(logs.err().startsWith("--ranker-logs-impressions needs --ranker-url"), logs.err());
  }

  @Test
  void benchServeRanksAgainstAnInProcessServerAndWritesItsFigures() throws IOException {
    Path report = SharedSpark.home().root().resolve("reports").resolve("bench-serve-smoke.json");

    Result result = cli("bench", "serve", "--rate", "100", "--seconds", "1", "--warmup-seconds", "0", "--output",
        report.toString());

    assertEquals(0, result.exitCode(), result.err());
    assertTrue(result.out().startsWith("100 of 100 requests OK at "), result.out());
    JsonNode figures = new ObjectMapper().readTree(report.toFile());
    assertEquals(100, figures.get("ok").asLong(), figures.toString());
    assertEquals("random", figures.get("model_version").asText());
    assertTrue(figures.get("latency_p99_ms").asDouble() > 0, figures.toString());
  }
}
