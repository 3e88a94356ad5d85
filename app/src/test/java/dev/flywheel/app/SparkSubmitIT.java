package dev.flywheel.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built application jar runs every batch job under {@code org.apache.spark.deploy.SparkSubmit}
 * (the class behind {@code spark-submit}) with Spark and Delta provided by the "cluster" classpath,
 * one JVM per job on one home, and a last JVM sees the tables they wrote, by name, through the
 * metastore. The home it leaves ({@code flywheel.demo.home}) is the notebooks' demo lakehouse.
 */
class SparkSubmitIT {
  @TempDir
  Path dir;

  record Outcome(int exitCode, String output) {}

  private static Outcome sparkSubmit(Path home, String... cliArgs) throws IOException, InterruptedException {
    List<String> submit = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit",
        "--class", "dev.flywheel.app.Flywheel"));
    submit.addAll(ChildJvm.testSparkConfs());
    submit.addAll(List.of(System.getProperty("flywheel.app.jar"), "--home", home.toString()));
    submit.addAll(List.of(cliArgs));
    List<String> command = ChildJvm.command(ChildJvm.clusterClasspath(), submit);
    Path log = Files.createTempFile("spark-submit", ".log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!process.waitFor(10, TimeUnit.MINUTES)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError("spark-submit " + String.join(" ", cliArgs) + " did not finish in 10 min:\n"
          + Files.readString(log, StandardCharsets.UTF_8));
    }
    return new Outcome(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  private static Outcome succeeded(Path home, String... cliArgs) throws IOException, InterruptedException {
    Outcome outcome = sparkSubmit(home, cliArgs);
    assertEquals(0, outcome.exitCode(), String.join(" ", cliArgs) + ":\n" + outcome.output());
    return outcome;
  }

  private static long number(Outcome outcome, String regex) {
    Matcher matcher = Pattern.compile(regex).matcher(outcome.output());
    assertTrue(matcher.find(), regex + " not in\n" + outcome.output());
    return Long.parseLong(matcher.group(1));
  }

  /** A fresh, empty home at {@code flywheel.demo.home}, where the notebooks find it afterwards. */
  private static Path demoHome() throws IOException {
    Path home = Path.of(System.getProperty("flywheel.demo.home"));
    if (Files.exists(home)) {
      try (Stream<Path> files = Files.walk(home)) {
        for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(file);
        }
      }
    }
    return home;
  }

  @Test
  void everyBatchJobRunsUnderSparkSubmitAndASecondJvmSeesItsTablesByName() throws Exception {
    Path home = demoHome();
    Path logs = dir.resolve("recent.jsonl");
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Files.writeString(logs, String.join("\n",
        "{\"event_id\":\"b1\",\"event_type\":\"impression\",\"event_time\":\"" + now + "\",\"user_id\":\"u1\","
            + "\"item_id\":\"i1\",\"request_id\":\"r1\",\"position\":0,\"surface\":\"search\",\"query\":\"shoes\"}",
        "{\"event_id\":\"b2\",\"event_type\":\"click\",\"event_time\":\"" + now.plusSeconds(5) + "\","
            + "\"user_id\":\"u1\",\"item_id\":\"i1\",\"request_id\":\"r1\"}",
        "{\"event_id\":\"b3\",\"event_type\":\"wink\",\"event_time\":\"" + now + "\",\"user_id\":\"u1\","
            + "\"item_id\":\"i1\",\"request_id\":\"r1\"}") + "\n");

    Outcome init = succeeded(home, "init");
    succeeded(home, "demo-history", "--requests", "1000", "--days", "2");
    Outcome backfill = succeeded(home, "backfill", "--input", logs.toString());
    Outcome features = succeeded(home, "features");
    Outcome train = succeeded(home, "train", "--rounds", "10");
    Outcome maintain = succeeded(home, "maintain", "--table", "bronze.feedback_events");
    Outcome query = succeeded(home, "sql", "--format", "csv", "SELECT (SELECT count(*) FROM silver.impressions"
        + " WHERE request_id = 'r1' AND clicked) AS r1_clicked, (SELECT count(*) FROM ml.model_versions) AS models");

    assertTrue(init.output().contains("bronze.feedback_events: created"), init.output());
    assertTrue(backfill.output().contains("2 new events in bronze.feedback_events, 1 new records in"
        + " bronze.feedback_quarantine"), backfill.output());
    assertTrue(number(features, "(\\d+) training examples written") > 1000, features.output());
    assertTrue(train.output().contains("v1 champion"), train.output());
    assertTrue(maintain.output().contains("bronze.feedback_events"), maintain.output());
    assertTrue(query.output().contains("r1_clicked,models\n1,1\n"), query.output());
  }

  @Test
  void aBadArgumentUnderSparkSubmitExits2() throws Exception {
    Outcome outcome = sparkSubmit(dir.resolve("home"), "tables", "--format", "yaml");

    assertEquals(2, outcome.exitCode(), outcome.output());
    assertTrue(outcome.output().contains("'yaml' is not a format"), outcome.output());
  }
}
