package dev.flywheel.lakehouse;

import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.delta.tables.DeltaTable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class TableCatalogTest {
  private final SparkSession spark = SharedSpark.session();

  private static TableSpec smallTable(String database) {
    return new TableSpec(database, "items", "one row per item",
        new StructType()
            .add(Columns.required("item_id", StringType, "item"))
            .add(Columns.optional("day", StringType, "day")),
        List.of("day"), List.of(), TableSpec.CHANGE_FEED);
  }

  @Test
  void ensuringTheCatalogTwiceChangesNothing() {
    String db = SharedSpark.freshDatabase("catalog");
    List<TableSpec> specs = Tables.all().stream().map(spec -> spec.inDatabase(db + "_" + spec.database())).toList();

    List<TableChange> first = TableCatalog.ensureAll(spark, specs);
    List<Long> versionsAfterFirst = specs.stream()
        .map(spec -> TableCatalog.latestVersion(spark, spec.qualifiedName())).toList();
    List<TableChange> second = TableCatalog.ensureAll(spark, specs);

    first.forEach(change -> assertEquals(TableChange.Kind.CREATED, change.kind(), change.describe()));
    second.forEach(change -> assertEquals(TableChange.Kind.UNCHANGED, change.kind(), change.describe()));
    assertEquals(versionsAfterFirst, specs.stream()
        .map(spec -> TableCatalog.latestVersion(spark, spec.qualifiedName())).toList());
  }

  @Test
  void createsPartitioningAndPropertiesAsDeclared() {
    String db = SharedSpark.freshDatabase("declared");
    TableSpec events = Tables.FEEDBACK_EVENTS.inDatabase(db);
    TableCatalog.ensure(spark, events);

    Row detail = DeltaTable.forName(spark, events.qualifiedName()).detail().head();
    Map<String, String> properties = detail.getJavaMap(detail.fieldIndex("properties"));
    assertEquals(List.of("event_date"), detail.getList(detail.fieldIndex("partitionColumns")));
    assertEquals("true", properties.get("delta.appendOnly"));
    assertEquals("true", properties.get("delta.enableChangeDataFeed"));
    assertEquals("Globally unique event id; a resent event is stored once",
        spark.table(events.qualifiedName()).schema().apply("event_id").getComment().get());
  }

  @Test
  void writesThePlainEncodedColumnsWithoutADictionary() throws Exception {
    String db = SharedSpark.freshDatabase("encoding");
    TableSpec items = smallTable(db).withoutDictionaryEncoding("item_id");
    TableCatalog.ensure(spark, items);
    spark.sql("INSERT INTO " + items.qualifiedName() + " VALUES ('i-1', 'mon'), ('i-2', 'mon'), ('i-1', 'mon')");

    String file = spark.table(items.qualifiedName()).inputFiles()[0];
    Map<String, Set<Encoding>> encodings = new HashMap<>();
    try (ParquetFileReader reader = ParquetFileReader.open(
        HadoopInputFile.fromPath(new Path(file), spark.sparkContext().hadoopConfiguration()))) {
      for (ColumnChunkMetaData column : reader.getFooter().getBlocks().get(0).getColumns()) {
        encodings.put(column.getPath().toDotString(), column.getEncodings());
      }
    }
    assertFalse(encodings.get("item_id").stream().anyMatch(Encoding::usesDictionary), encodings.toString());
    assertThrows(IllegalArgumentException.class, () -> smallTable(db).withoutDictionaryEncoding("price"));
  }

  @Test
  void migrationAddsAColumnAndKeepsTheRows() {
    String db = SharedSpark.freshDatabase("migrate");
    TableSpec items = smallTable(db);
    TableCatalog.ensure(spark, items);
    spark.sql("INSERT INTO " + items.qualifiedName() + " VALUES ('i-1', 'mon'), ('i-2', 'tue')");

    TableChange change = TableCatalog.ensure(spark,
        items.withColumn(Columns.optional("price_cents", LongType, "price")).withProperty("delta.appendOnly", "true"));

    assertEquals(TableChange.Kind.MIGRATED, change.kind());
    assertEquals(List.of("price_cents"), change.addedColumns());
    assertEquals(List.of("delta.appendOnly"), change.changedProperties());
    List<Row> rows = spark.table(items.qualifiedName()).orderBy("item_id").collectAsList();
    assertEquals(2, rows.size());
    assertEquals("i-1", rows.get(0).getString(0));
    assertNull(rows.get(0).get(rows.get(0).fieldIndex("price_cents")));
  }

  @Test
  void refusesToChangeTheTypeOfAStoredColumn() {
    String db = SharedSpark.freshDatabase("retype");
    TableSpec items = smallTable(db);
    TableCatalog.ensure(spark, items);
    TableSpec retyped = new TableSpec(db, "items", "", new StructType()
        .add(Columns.required("item_id", LongType, "item"))
        .add(Columns.optional("day", StringType, "day")), List.of("day"), List.of(), Map.of());

    IncompatibleSchemaException error = assertThrows(IncompatibleSchemaException.class,
        () -> TableCatalog.ensure(spark, retyped));

    assertEquals("Cannot migrate " + db + ".items: column item_id is stored as string but declared as bigint;"
        + " only new columns are migrated in place. Declare a new table (or a new schema_version) instead.",
        error.getMessage());
  }

  @Test
  void refusesANewNotNullColumn() {
    String db = SharedSpark.freshDatabase("notnull");
    TableSpec items = smallTable(db);
    TableCatalog.ensure(spark, items);

    IncompatibleSchemaException error = assertThrows(IncompatibleSchemaException.class,
        () -> TableCatalog.ensure(spark, items.withColumn(Columns.required("brand", StringType, "brand"))));

    assertEquals(db + ".items", error.table());
  }

  @Test
  void readingAMissingTableNamesIt() {
    TableNotFoundException error = assertThrows(TableNotFoundException.class,
        () -> TableCatalog.latestVersion(spark, "nowhere.nothing"));

    assertEquals("Table nowhere.nothing does not exist; run `flywheel init` to create the catalog.",
        error.getMessage());
  }
}
