package dev.flywheel.lakehouse;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * The data root of an embedded Flywheel installation: warehouse, metastore, checkpoints, broker
 * data and model artifacts all live below it, never in the source tree. Immutable.
 *
 * @param root absolute path of the data root
 */
public record FlywheelHome(Path root) {
  /** Environment variable that names the data root. */
  public static final String ENV = "FLYWHEEL_HOME";
  /** Default data root, relative to the working directory. */
  public static final String DEFAULT = "flywheel-data";

  public FlywheelHome {
    Objects.requireNonNull(root, "root");
    root = root.toAbsolutePath().normalize();
  }

  /** The data root named by {@code FLYWHEEL_HOME}, or {@code ./flywheel-data}. */
  public static FlywheelHome fromEnvironment(Map<String, String> env) {
    String value = env.get(ENV);
    return new FlywheelHome(Path.of(value == null || value.isBlank() ? DEFAULT : value));
  }

  /** Managed tables of the embedded catalog. */
  public Path warehouse() {
    return root.resolve("warehouse");
  }

  /** Embedded Derby database of the Hive metastore. */
  public Path metastore() {
    return root.resolve("metastore_db");
  }

  /** Streaming checkpoints, one folder per query. */
  public Path checkpoints() {
    return root.resolve("checkpoints");
  }

  /** Data and logs of the local Kafka broker. */
  public Path kafka() {
    return root.resolve("kafka");
  }

  /** Exported model bundles. */
  public Path models() {
    return root.resolve("models");
  }

  /** The online feature snapshots the Spark-free server reads ({@code snapshot-<version>/}, {@code CURRENT.json}). */
  public Path online() {
    return root.resolve("online");
  }

  /** Reports written by the demo and the benchmarks. */
  public Path reports() {
    return root.resolve("reports");
  }
}
