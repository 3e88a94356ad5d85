package dev.flywheel.features;

import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.util.MutableURLClassLoader;

/**
 * Plans queries with the RAPIDS Accelerator's explain-only API, without a GPU and without
 * {@code spark.plugins}: {@code com.nvidia.spark.rapids.ExplainPlan.explainPotentialGpuPlan(df, "ALL")},
 * loaded by reflection from the RAPIDS jar in a Spark {@link MutableURLClassLoader} that is also the
 * thread's context class loader (RAPIDS adds its Spark-version shim to that loader). The jar stays off
 * every other classpath. Delta scans are reported on their own ({@code DeltaParquetFileFormat} is the
 * scan, which the plugin with Delta support runs); every other operator or expression that would stay
 * on the CPU is a fallback.
 */
public final class GpuPlanCheck {
  /** The RAPIDS release checked against (its newest shim is Spark 3.5.5). */
  public static final String RAPIDS_VERSION = "25.04.0";

  /**
   * One line of the explanation that would not run on the GPU.
   *
   * @param query the name of the planned query
   * @param line the explanation line: the operator or expression and why it stays on the CPU
   */
  public record Finding(String query, String line) {}

  /**
   * The result of a check. Immutable.
   *
   * @param scans Delta (or other) scans that the explain-only mode cannot place
   * @param fallbacks everything else that would run on the CPU
   */
  public record Report(List<Finding> scans, List<Finding> fallbacks) {
    public Report {
      scans = List.copyOf(scans);
      fallbacks = List.copyOf(fallbacks);
    }

    /** True when nothing above the scans falls back to the CPU. */
    public boolean passes() {
      return fallbacks.isEmpty();
    }
  }

  private GpuPlanCheck() {}

  /** Where {@code bin/fetch-rapids} puts the jar: the local Maven repository. */
  public static Path defaultJar() {
    String repo = System.getenv().getOrDefault("MAVEN_REPO",
        Path.of(System.getProperty("user.home"), ".m2", "repository").toString());
    return Path.of(repo, "com", "nvidia", "rapids-4-spark_2.12", RAPIDS_VERSION,
        "rapids-4-spark_2.12-" + RAPIDS_VERSION + ".jar");
  }

  /**
   * Explains every query and sorts the lines that would not run on the GPU into scans and fallbacks.
   *
   * @throws FeaturesException when the jar is missing or RAPIDS cannot be loaded
   */
  public static Report check(Map<String, Dataset<Row>> queries, Path rapidsJar) {
    if (!Files.isRegularFile(rapidsJar)) {
      throw new FeaturesException("RAPIDS jar not found at " + rapidsJar + "; run bin/fetch-rapids to fetch it once");
    }
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    List<Finding> scans = new ArrayList<>();
    List<Finding> fallbacks = new ArrayList<>();
    try {
      MutableURLClassLoader loader = new MutableURLClassLoader(new URL[] {rapidsJar.toUri().toURL()},
          GpuPlanCheck.class.getClassLoader());
      thread.setContextClassLoader(loader);
      Method explain = Class.forName("com.nvidia.spark.rapids.ExplainPlan", true, loader)
          .getMethod("explainPotentialGpuPlan", Dataset.class, String.class);
      for (Map.Entry<String, Dataset<Row>> query : queries.entrySet()) {
        String explanation = (String) explain.invoke(null, query.getValue(), "ALL");
        for (String line : explanation.split("\n")) {
          String trimmed = line.trim();
          if (!trimmed.startsWith("!")) {
            continue;
          }
          Finding finding = new Finding(query.getKey(), trimmed);
          (isScan(trimmed) ? scans : fallbacks).add(finding);
        }
      }
    } catch (MalformedURLException | ReflectiveOperationException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new FeaturesException("RAPIDS explain failed with " + rapidsJar + ": " + cause, cause);
    } finally {
      thread.setContextClassLoader(previous);
    }
    return new Report(scans, fallbacks);
  }

  private static boolean isScan(String line) {
    return line.contains("DeltaParquetFileFormat") || line.startsWith("!Exec <FileSourceScanExec>");
  }
}
