package dev.flywheel.lakehouse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * The one Spark session of a test JVM, on a real Derby metastore and real Delta tables under
 * {@code target/test-home}. Tests isolate themselves with {@link #freshDatabase}, not new sessions.
 */
public final class SharedSpark {
  /**
   * Interpreted expressions, not generated code, for this session and the jobs the ITs start: on test-sized
   * data, compiling every new query's classes with Janino and then the JIT costs more than it saves (README,
   * "Tests": FeaturesIncrementalTest -25 %, the spark-submit steps -15 %). The demo and the benchmarks keep
   * Spark's codegen, which real data needs; Spark falls back to these same interpreted paths whenever
   * generated code fails to compile, so nothing the tests check depends on it.
   */
  public static final Map<String, String> INTERPRETED_EXPRESSIONS = Map.of(
      "spark.sql.codegen.wholeStage", "false",
      "spark.sql.codegen.factoryMode", "NO_CODEGEN");

  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static FlywheelHome home;
  private static SparkSession session;

  private SharedSpark() {}

  /** The session of this JVM, created on first use. */
  public static synchronized SparkSession session() {
    if (session == null) {
      home = new FlywheelHome(Path.of("target", "test-home"));
      deleteRecursively(home.root());
      Map<String, String> settings = new HashMap<>(Map.of(
          "spark.master", "local[2]",
          "spark.sql.shuffle.partitions", "2",
          "spark.default.parallelism", "2",
          "spark.databricks.delta.snapshotPartitions", "2"));
      settings.putAll(INTERPRETED_EXPRESSIONS);
      session = SparkSessions.getOrCreate(home, settings);
    }
    return session;
  }

  /** The data root of the shared session. */
  public static synchronized FlywheelHome home() {
    session();
    return home;
  }

  /** A new, empty database name for one test. */
  public static String freshDatabase(String prefix) {
    String name = prefix + "_" + DATABASES.incrementAndGet();
    session().sql("CREATE DATABASE IF NOT EXISTS " + name);
    return name;
  }

  /** Deletes a folder tree; a missing folder is fine. */
  public static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
