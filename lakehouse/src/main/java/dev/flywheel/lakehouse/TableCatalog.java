package dev.flywheel.lakehouse;

import static org.apache.spark.sql.functions.col;

import io.delta.tables.DeltaTable;
import io.delta.tables.DeltaTableBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;

/**
 * Creates, migrates and inspects the Delta tables of the catalog, and reads what changed in them.
 * Every method takes the session it works with; the class holds no state.
 */
public final class TableCatalog {
  /** Change data feed columns Delta adds to every change row. */
  public static final List<String> CHANGE_COLUMNS = List.of("_change_type", "_commit_version", "_commit_timestamp");

  private TableCatalog() {}

  /** Ensures every given table; see {@link #ensure}. */
  public static List<TableChange> ensureAll(SparkSession spark, List<TableSpec> specs) {
    return specs.stream().map(spec -> ensure(spark, spec)).toList();
  }

  /**
   * Creates the table if it is missing, or migrates it to the declared shape by adding columns and
   * setting properties. A table already in the declared shape is not touched (its Delta version
   * stays), so ensuring twice is a no-op.
   *
   * @throws IncompatibleSchemaException when a stored column is missing from the declaration or
   *     has another type, the partitioning differs, or a new column is declared non-null
   */
  public static TableChange ensure(SparkSession spark, TableSpec spec) {
    String table = spec.qualifiedName();
    spark.sql("CREATE DATABASE IF NOT EXISTS " + spec.database());
    if (!spark.catalog().tableExists(table)) {
      DeltaTableBuilder builder = DeltaTable.createIfNotExists(spark)
          .tableName(table)
          .comment(spec.comment())
          .addColumns(spec.schema())
          .partitionedBy(spec.partitionBy().toArray(String[]::new));
      for (Map.Entry<String, String> property : spec.properties().entrySet()) {
        builder = builder.property(property.getKey(), property.getValue());
      }
      builder.execute();
      return new TableChange(table, TableChange.Kind.CREATED, List.of(), List.of());
    }
    DeltaTable delta = DeltaTable.forName(spark, table);
    Row detail = delta.detail().head();
    List<String> storedPartitioning = detail.getList(detail.fieldIndex("partitionColumns"));
    if (!storedPartitioning.equals(spec.partitionBy())) {
      throw new IncompatibleSchemaException(table,
          "stored partitioning " + storedPartitioning + " differs from declared " + spec.partitionBy());
    }
    List<StructField> added = newColumns(table, delta.toDF().schema(), spec.schema());
    if (!added.isEmpty()) {
      String columns = added.stream().map(StructField::toDDL).collect(Collectors.joining(", "));
      spark.sql("ALTER TABLE " + table + " ADD COLUMNS (" + columns + ")");
    }
    Map<String, String> stored = detail.getJavaMap(detail.fieldIndex("properties"));
    Map<String, String> changed = new LinkedHashMap<>();
    spec.properties().forEach((key, value) -> {
      if (!value.equals(stored.get(key))) {
        changed.put(key, value);
      }
    });
    if (!changed.isEmpty()) {
      String assignments = changed.entrySet().stream()
          .map(e -> "'" + e.getKey() + "' = '" + e.getValue() + "'")
          .collect(Collectors.joining(", "));
      spark.sql("ALTER TABLE " + table + " SET TBLPROPERTIES (" + assignments + ")");
    }
    if (added.isEmpty() && changed.isEmpty()) {
      return new TableChange(table, TableChange.Kind.UNCHANGED, List.of(), List.of());
    }
    return new TableChange(table, TableChange.Kind.MIGRATED,
        added.stream().map(StructField::name).toList(), List.copyOf(changed.keySet()));
  }

  /** The declared columns missing from the stored schema, after checking the stored ones still hold. */
  static List<StructField> newColumns(String table, StructType stored, StructType declared) {
    Map<String, StructField> declaredByName = new LinkedHashMap<>();
    for (StructField field : declared.fields()) {
      declaredByName.put(field.name(), field);
    }
    for (StructField field : stored.fields()) {
      StructField wanted = declaredByName.remove(field.name());
      if (wanted == null) {
        throw new IncompatibleSchemaException(table, "stored column " + field.name() + " is not declared");
      }
      if (!wanted.dataType().catalogString().equals(field.dataType().catalogString())) {
        throw new IncompatibleSchemaException(table, "column " + field.name() + " is stored as "
            + field.dataType().catalogString() + " but declared as " + wanted.dataType().catalogString());
      }
    }
    List<StructField> added = new ArrayList<>(declaredByName.values());
    for (StructField field : added) {
      if (!field.nullable()) {
        throw new IncompatibleSchemaException(table,
            "new column " + field.name() + " is declared NOT NULL, but existing rows have no value for it");
      }
    }
    return added;
  }

  /**
   * The latest committed Delta version of {@code table}.
   *
   * @throws TableNotFoundException when the table does not exist
   */
  public static long latestVersion(SparkSession spark, String table) {
    requireTable(spark, table);
    // The log's newest version from a listing of its directory: reading the history instead plans and runs
    // a query, a cost the ingest paid in every micro-batch.
    return DeltaLog.forTable(spark, identifier(spark, table)).update(false, Option.empty(), Option.empty()).version();
  }

  /**
   * Version, row count, size and file count of one table.
   *
   * @throws TableNotFoundException when the table does not exist
   */
  public static TableStatus status(SparkSession spark, String table) {
    requireTable(spark, table);
    DeltaTable delta = DeltaTable.forName(spark, table);
    Row detail = delta.detail().head();
    return new TableStatus(
        table,
        delta.history(1).head().getLong(0),
        delta.toDF().count(),
        detail.getLong(detail.fieldIndex("sizeInBytes")),
        detail.getLong(detail.fieldIndex("numFiles")));
  }

  /**
   * The change data feed of {@code table} over {@code range}, with Delta's {@code _change_type},
   * {@code _commit_version} and {@code _commit_timestamp} columns; empty for an empty range.
   */
  public static Dataset<Row> changes(SparkSession spark, String table, VersionRange range) {
    requireTable(spark, table);
    if (range.isEmpty()) {
      return emptyChanges(spark, table);
    }
    return spark.read().format("delta")
        .option("readChangeFeed", "true")
        .option("startingVersion", range.fromVersion())
        .option("endingVersion", range.toVersion())
        .table(table);
  }

  /** The rows inserted into {@code table} over {@code range}, without the change feed columns. */
  public static Dataset<Row> insertedRows(SparkSession spark, String table, VersionRange range) {
    return changes(spark, table, range)
        .where(col("_change_type").equalTo("insert"))
        .drop(CHANGE_COLUMNS.toArray(String[]::new));
  }

  /** Appends {@code rows} to the Delta table {@code table}, matching columns by name. */
  public static void append(Dataset<Row> rows, String table) {
    rows.write().format("delta").mode("append").saveAsTable(table);
  }

  /** The whole table as of one version (time travel), the input of a full recompute. */
  public static Dataset<Row> asOf(SparkSession spark, String table, long version) {
    requireTable(spark, table);
    return spark.read().format("delta").option("versionAsOf", version).table(table);
  }

  private static Dataset<Row> emptyChanges(SparkSession spark, String table) {
    StructType schema = spark.table(table).schema();
    StructType withChanges = new StructType(Arrays.copyOf(schema.fields(), schema.fields().length))
        .add("_change_type", "string")
        .add("_commit_version", "long")
        .add("_commit_timestamp", "timestamp");
    return spark.createDataFrame(List.of(), withChanges);
  }

  static TableIdentifier identifier(SparkSession spark, String table) {
    try {
      return spark.sessionState().sqlParser().parseTableIdentifier(table);
    } catch (ParseException e) {
      throw new IllegalArgumentException("Not a table name: " + table, e);
    }
  }

  private static void requireTable(SparkSession spark, String table) {
    if (!spark.catalog().tableExists(table)) {
      throw new TableNotFoundException(table);
    }
  }
}
