package dev.flywheel.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built application jar runs under {@code org.apache.spark.deploy.SparkSubmit} (the class behind
 * {@code spark-submit}) with Spark and Delta provided by the "cluster" classpath, and a second JVM
 * sees the tables the first one created, by name, through the metastore.
 */
class SparkSubmitIT {
  @TempDir
  Path home;

  record Outcome(int exitCode, String output) {}

  private Outcome sparkSubmit(String... cliArgs) throws IOException, InterruptedException {
    List<String> submit = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit",
        "--master", "local[2]", "--class", "dev.flywheel.app.Flywheel",
        "--conf", "spark.sql.shuffle.partitions=2",
        System.getProperty("flywheel.app.jar"), "--home", home.toString()));
    submit.addAll(List.of(cliArgs));
    List<String> command = ChildJvm.command(ChildJvm.clusterClasspath(), submit);
    Path log = Files.createTempFile("spark-submit", ".log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertTrue(process.waitFor(5, TimeUnit.MINUTES), "spark-submit did not finish");
    return new Outcome(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  @Test
  void theApplicationJarRunsUnderSparkSubmitAndASecondJvmSeesItsTablesByName() throws Exception {
    Outcome init = sparkSubmit("init");
    Outcome query = sparkSubmit("sql", "--format", "csv",
        "SELECT count(*) AS events FROM bronze.feedback_events");

    assertEquals(0, init.exitCode(), init.output());
    assertTrue(init.output().contains("bronze.feedback_events: created"), init.output());
    assertEquals(0, query.exitCode(), query.output());
    assertTrue(query.output().contains("events\n0\n"), query.output());
  }

  @Test
  void aBadArgumentUnderSparkSubmitExits2() throws Exception {
    Outcome outcome = sparkSubmit("tables", "--format", "yaml");

    assertEquals(2, outcome.exitCode(), outcome.output());
    assertTrue(outcome.output().contains("'yaml' is not a format"), outcome.output());
  }
}
