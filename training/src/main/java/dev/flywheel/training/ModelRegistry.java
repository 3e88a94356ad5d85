package dev.flywheel.training;

import static org.apache.spark.sql.functions.expr;

import dev.flywheel.lakehouse.LakehouseException;
import dev.flywheel.lakehouse.TableCatalog;
import dev.flywheel.lakehouse.Tables;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ConcurrentModificationException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * The model registry on the Delta table ml.model_versions. Promotion and rollback are one Delta
 * UPDATE each whose SET expression fails the transaction when the champion is not the one the
 * caller expects; Delta's optimistic conflict detection fails the second of two racing UPDATEs. So
 * there is at most one champion, and a lost race surfaces as {@link ChampionChangedException}.
 * Versions are numbered by one writer at a time (the train job runs with max_active_runs=1).
 *
 * <p>After every promotion and rollback, once the Delta commit succeeded, the registry replaces the
 * champion pointer {@code <models>/CHAMPION.json} atomically: the model version, its bundle folder and
 * when it became champion, which is what the Spark-free server watches. A crash between the commit and
 * the pointer leaves a stale pointer; {@link #publishChampion} repairs it.
 */
public final class ModelRegistry {
  private static final String RACE_MARKER = "flywheel-champion-changed";

  /** File name of the champion pointer in the models folder. */
  public static final String CHAMPION_POINTER = "CHAMPION.json";

  private final SparkSession spark;
  private final String table;
  private final Path models;

  private ModelRegistry(SparkSession spark, String table, Path models) {
    this.spark = spark;
    this.table = table;
    this.models = models;
  }

  /** The registry in the catalog's ml.model_versions, its champion pointer in {@code models}. */
  public static ModelRegistry onDelta(SparkSession spark, Path models) {
    return onDelta(spark, Tables.MODEL_VERSIONS.qualifiedName(), models);
  }

  /** The registry in another table of the same schema (tests isolate themselves this way). */
  public static ModelRegistry onDelta(SparkSession spark, String table, Path models) {
    return new ModelRegistry(spark, table, models);
  }

  /** The champion pointer file. */
  public Path championPointer() {
    return models.resolve(CHAMPION_POINTER);
  }

  /** Registers a version in one append, numbered 1 + the largest registered version; returns it. */
  public ModelVersion newVersion(ModelVersion candidate) {
    long next = list().stream().mapToLong(ModelVersion::version).max().orElse(0) + 1;
    ModelVersion numbered = candidate.withVersion(next);
    StructType schema = spark.table(table).schema();
    TableCatalog.append(spark.createDataFrame(List.of(toRow(numbered)), schema), table);
    return numbered;
  }

  /** Every registered version, oldest first. */
  public List<ModelVersion> list() {
    return spark.table(table).orderBy("version").collectAsList().stream().map(ModelRegistry::fromRow).toList();
  }

  /** One version, or empty. */
  public Optional<ModelVersion> get(long version) {
    return list().stream().filter(v -> v.version() == version).findFirst();
  }

  /** The current champion, or empty before the first promotion. */
  public Optional<ModelVersion> champion() {
    return list().stream().filter(v -> v.status() == ModelStatus.CHAMPION).findFirst();
  }

  /**
   * Makes {@code version} the champion, provided the champion is still {@code expectedChampion}
   * (empty: no champion yet); the old champion is archived, in the same commit.
   *
   * @throws ChampionChangedException when the champion changed since the caller read it
   */
  public ModelVersion promote(long version, OptionalLong expectedChampion) {
    ModelVersion target = get(version).orElseThrow(() -> new LakehouseException(
        "Cannot promote v" + version + ": no such version in " + table + "; see `flywheel models list`"));
    if (target.status() == ModelStatus.CHAMPION) {
      throw new LakehouseException("Cannot promote v" + version + ": it is already the champion");
    }
    if (target.status() == ModelStatus.REJECTED) {
      throw new LakehouseException("Cannot promote v" + version + ": it was rejected (" + target.gateReason()
          + "); train a new version");
    }
    transition(version, expectedChampion, ModelStatus.ARCHIVED, null);
    publishChampion();
    return get(version).orElseThrow();
  }

  /**
   * Puts the previous champion (the archived version promoted most recently) back; the current
   * champion becomes rejected with "rolled back" in its reason, so a second rollback goes further back.
   */
  public ModelVersion rollback() {
    ModelVersion current = champion().orElseThrow(() -> new LakehouseException(
        "Cannot roll back: " + table + " has no champion"));
    ModelVersion previous = list().stream()
        .filter(v -> v.status() == ModelStatus.ARCHIVED && v.promotedAt() != null)
        .max((a, b) -> a.promotedAt().compareTo(b.promotedAt()))
        .orElseThrow(() -> new LakehouseException("Cannot roll back v" + current.version()
            + ": no earlier champion in " + table));
    transition(previous.version(), OptionalLong.of(current.version()), ModelStatus.REJECTED, "rolled back");
    publishChampion();
    return get(previous.version()).orElseThrow();
  }

  /**
   * Rewrites the champion pointer from the registry (atomically: temp file, then rename), or deletes it
   * when there is no champion: what promote and rollback do after their commit, and the repair of a
   * pointer a crash left stale.
   *
   * @return the champion the pointer names, or empty
   */
  public Optional<ModelVersion> publishChampion() {
    Optional<ModelVersion> champion = champion();
    if (champion.isEmpty()) {
      try {
        Files.deleteIfExists(championPointer());
      } catch (IOException e) {
        throw new LakehouseException("Cannot delete the stale champion pointer " + championPointer() + ": "
            + e.getMessage(), e);
      }
      return champion;
    }
    ModelVersion v = champion.get();
    if (v.artifactLocation() == null) {
      throw new LakehouseException("Cannot point to champion v" + v.version() + ": it has no artifact location");
    }
    Map<String, Object> pointer = new LinkedHashMap<>();
    pointer.put("model_version", v.version());
    pointer.put("bundle", Bundles.of(v.artifactLocation()).toAbsolutePath().toString());
    pointer.put("changed_at", String.valueOf(v.promotedAt()));
    Json.writeAtomically(championPointer(), pointer);
    return champion;
  }

  private void transition(long version, OptionalLong expected, ModelStatus demotedTo, String note) {
    String unexpectedChampion = expected.isPresent()
        ? "status = 'champion' AND version <> " + expected.getAsLong()
        : "status = 'champion'";
    Map<String, Column> set = new HashMap<>();
    set.put("status", expr("CASE WHEN " + unexpectedChampion + " THEN raise_error('" + RACE_MARKER + "')"
        + " WHEN version = " + version + " THEN 'champion' ELSE '" + demotedTo.stored() + "' END"));
    set.put("promoted_at", expr("CASE WHEN version = " + version + " THEN current_timestamp() ELSE promoted_at END"));
    if (note != null) {
      set.put("gate_reason", expr("CASE WHEN version = " + version + " THEN gate_reason"
          + " ELSE concat_ws('; ', gate_reason, '" + note + "') END"));
    }
    try {
      DeltaTable.forName(spark, table).update(expr("version = " + version + " OR status = 'champion'"), set);
    } catch (Exception e) { // Spark throws its checked SparkException undeclared from Scala
      if (isRace(e)) {
        throw new ChampionChangedException(version,
            champion().map(v -> OptionalLong.of(v.version())).orElse(OptionalLong.empty()), expected);
      }
      throw e instanceof RuntimeException runtime ? runtime
          : new LakehouseException("Promotion of v" + version + " in " + table + " failed: " + e.getMessage(), e);
    }
  }

  private static boolean isRace(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConcurrentModificationException
          || (t.getMessage() != null && t.getMessage().contains(RACE_MARKER))) {
        return true;
      }
    }
    return false;
  }

  private static Row toRow(ModelVersion v) {
    return RowFactory.create(v.version(), v.parentVersion(), ts(v.createdAt()), v.codeVersion(), v.label(),
        ts(v.trainFrom()), ts(v.trainTo()), v.inputVersions(), v.params(), v.metrics(), v.warmStart(),
        v.status().stored(), v.gateDecision(), v.gateReason(), v.artifactLocation(), ts(v.promotedAt()));
  }

  private static ModelVersion fromRow(Row r) {
    return new ModelVersion(r.<Long>getAs("version"), r.<Long>getAs("parent_version"),
        instant(r.getAs("created_at")), r.getAs("code_version"), r.getAs("label"),
        instant(r.getAs("train_from")), instant(r.getAs("train_to")),
        map(r, "input_versions"), map(r, "params"), map(r, "metrics"), map(r, "warm_start"),
        ModelStatus.fromStored(r.getAs("status")), r.getAs("gate_decision"), r.getAs("gate_reason"),
        r.getAs("artifact_location"), instant(r.getAs("promoted_at")));
  }

  private static <V> Map<String, V> map(Row r, String column) {
    int i = r.fieldIndex(column);
    return r.isNullAt(i) ? Map.of() : r.<String, V>getJavaMap(i);
  }

  private static Timestamp ts(Instant instant) {
    return instant == null ? null : Timestamp.from(instant);
  }

  private static Instant instant(Object value) {
    if (value == null) {
      return null;
    }
    return value instanceof Timestamp t ? t.toInstant() : (Instant) value;
  }
}
