package dev.flywheel.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Airflow DAGs call commands and flags that exist: pipelines/airflow/tests/check_dags.py
 * (Python standard library only; Airflow is not installable here) checks every SparkSubmitOperator
 * against {@code flywheel describe --json}.
 */
class AirflowDagsTest {
  private static final Path AIRFLOW = Path.of("..", "pipelines", "airflow");

  @TempDir
  Path dir;

  private Path describeCli() throws IOException {
    StringWriter out = new StringWriter();
    int code = Flywheel.run(new Flywheel(), new PrintWriter(out, true), new PrintWriter(new StringWriter(), true),
        "describe", "--json");
    assertEquals(0, code);
    return Files.writeString(dir.resolve("cli.json"), out.toString());
  }

  private record Check(int exitCode, String output) {}

  private Check checkDags(Path dags) throws Exception {
    Process process = new ProcessBuilder("python3", AIRFLOW.resolve("tests/check_dags.py").toString(),
        describeCli().toString(), dags.toString()).redirectErrorStream(true).start();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS));
    return new Check(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void everyDagTaskRunsACommandAndFlagsTheCliHas() throws Exception {
    Check check = checkDags(AIRFLOW.resolve("dags"));

    assertEquals(0, check.exitCode(), check.output());
    assertTrue(check.output().contains("SparkSubmitOperator tasks: OK"), check.output());
  }

  @Test
  void aDagWithAFlagTheCliDoesNotHaveFails() throws Exception {
    Path dags = Files.createDirectories(dir.resolve("dags"));
    try (Stream<Path> files = Files.list(AIRFLOW.resolve("dags"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".py")).toList()) {
        Files.writeString(dags.resolve(file.getFileName()), Files.readString(file).replace("--available-now", "--now"));
      }
    }

    Check check = checkDags(dags);

    assertEquals(1, check.exitCode(), check.output());
    assertTrue(check.output().contains("ingest has no option --now"), check.output());
  }
}
