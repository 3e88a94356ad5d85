package dev.flywheel.lakehouse;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The declaration of one Delta table: where it lives, its columns (with their meaning as column
 * comments), how it is partitioned and clustered, and its table properties. Immutable.
 *
 * @param database catalog database, for example {@code bronze}
 * @param name table name inside the database
 * @param comment what one row of the table is
 * @param schema columns, each with a comment an analyst can read
 * @param partitionBy partition columns, in order
 * @param zorderBy columns {@code OPTIMIZE} clusters by (empty: no ZORDER)
 * @param properties Delta table properties
 */
public record TableSpec(
    String database,
    String name,
    String comment,
    StructType schema,
    List<String> partitionBy,
    List<String> zorderBy,
    Map<String, String> properties) {

  /** Properties of an append-only table whose new rows later jobs read incrementally. */
  public static final Map<String, String> APPEND_ONLY = Map.of(
      "delta.appendOnly", "true",
      "delta.enableChangeDataFeed", "true");

  /**
   * Properties of bronze: append-only with a change feed, plus row tracking, so every row keeps the
   * version that committed it ({@code _metadata.row_commit_version}, preserved by OPTIMIZE): what the
   * features job's event-time watermark is computed from, in a full recompute too.
   */
  public static final Map<String, String> APPEND_ONLY_TRACKED = Map.of(
      "delta.appendOnly", "true",
      "delta.enableChangeDataFeed", "true",
      "delta.enableRowTracking", "true");

  /** Properties of a derived table that is merged into and read through its change data feed. */
  public static final Map<String, String> CHANGE_FEED = Map.of(
      "delta.enableChangeDataFeed", "true");

  public TableSpec {
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(schema, "schema");
    comment = comment == null ? "" : comment;
    partitionBy = List.copyOf(partitionBy);
    zorderBy = List.copyOf(zorderBy);
    properties = Map.copyOf(properties);
    for (String column : partitionBy) {
      requireColumn(schema, column, database + "." + name + " partition column");
    }
    for (String column : zorderBy) {
      requireColumn(schema, column, database + "." + name + " ZORDER column");
      if (partitionBy.contains(column)) {
        throw new IllegalArgumentException(database + "." + name
            + ": ZORDER column " + column + " is a partition column; Delta cannot cluster by it");
      }
    }
  }

  private static void requireColumn(StructType schema, String column, String role) {
    if (!List.of(schema.fieldNames()).contains(column)) {
      throw new IllegalArgumentException(role + " " + column + " is not in the schema " + schema.simpleString());
    }
  }

  /** {@code database.name}, the name analysts query. */
  public String qualifiedName() {
    return database + "." + name;
  }

  /** A copy with one more column: how a migration is declared. */
  public TableSpec withColumn(StructField column) {
    return new TableSpec(database, name, comment, schema.add(column), partitionBy, zorderBy, properties);
  }

  /** A copy with one property set. */
  public TableSpec withProperty(String key, String value) {
    Map<String, String> changed = new LinkedHashMap<>(properties);
    changed.put(key, value);
    return new TableSpec(database, name, comment, schema, partitionBy, zorderBy, changed);
  }

  /**
   * A copy whose Parquet files store these columns without dictionary encoding: for columns whose
   * values are all distinct (ids, source coordinates), where a dictionary only costs the writer a
   * hash lookup per value before it falls back to plain encoding. Delta hands a table's properties
   * to the Parquet writer, so the setting is Parquet's per-column {@code parquet.enable.dictionary#<column>}.
   */
  public TableSpec withoutDictionaryEncoding(String... columns) {
    TableSpec spec = this;
    for (String column : columns) {
      requireColumn(schema, column, qualifiedName() + " plain-encoded column");
      spec = spec.withProperty("parquet.enable.dictionary#" + column, "false");
    }
    return spec;
  }

  /** A copy that lives in another database (tests use this to isolate their tables). */
  public TableSpec inDatabase(String otherDatabase) {
    return new TableSpec(otherDatabase, name, comment, schema, partitionBy, zorderBy, properties);
  }
}
