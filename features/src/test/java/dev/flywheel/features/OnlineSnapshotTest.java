package dev.flywheel.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.lakehouse.ReadMode;
import dev.flywheel.lakehouse.SharedSpark;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;

class OnlineSnapshotTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final SparkSession spark = SharedSpark.session();

  @Test
  void aRunThatChangesGoldPublishesItsTablesAndRepointsCurrent() throws IOException {
    BronzeRows bronze = new BronzeRows("online");
    Path online = SharedSpark.home().root().resolve("online-" + bronze.tables.bronze().database());
    bronze.impression("a1", "10:00:00", "u1", "i1", "r1", "shoes", 0)
        .impression("a2", "10:00:00", "u1", "i2", "r1", "shoes", 1)
        .feedback("c1", "click", "10:01:00", "u1", "i1", "r1", null)
        .feedback("s1", "rating", "10:03:00", "u1", "i1", "r1", 5.0)
        .impression("a3", "16:00:00", "u2", "i1", "r3", null, 0)
        .commit();
    FeaturesJob.run(spark, bronze.tables, BronzeRows.config(), ReadMode.INCREMENTAL);
    long version = globalVersion(bronze.tables);
    for (long older = Math.max(0, version - 3); older < version; older++) {
      Files.createDirectories(online.resolve("snapshot-" + older)); // earlier exports
    }

    Path folder = OnlineSnapshot.export(spark, bronze.tables, online).orElseThrow();

    assertEquals(online.toAbsolutePath().resolve("snapshot-" + version), folder);
    JsonNode pointer = JSON.readTree(online.resolve(OnlineSnapshot.POINTER).toFile());
    assertEquals(folder.toString(), pointer.get("snapshot").asText());
    assertEquals(version, pointer.get("gold_version").asLong());
    Timestamp asOf = spark.table(bronze.tables.global()).head().getAs("as_of");
    assertEquals(asOf.toInstant().toString(), pointer.get("as_of").asText());
    assertEquals(Set.of("global.json", "users.jsonl", "items.jsonl", "query_items.jsonl"), names(folder));
    assertSameRows(bronze.tables.global(), folder.resolve("global.json"));
    assertSameRows(bronze.tables.users(), folder.resolve("users.jsonl"));
    assertSameRows(bronze.tables.items(), folder.resolve("items.jsonl"));
    assertSameRows(bronze.tables.queryItems(), folder.resolve("query_items.jsonl"));
    Set<String> kept = new TreeSet<>();
    for (long v = Math.max(0, version - 2); v <= version; v++) {
      kept.add("snapshot-" + v);
    }
    kept.add(OnlineSnapshot.POINTER);
    assertEquals(kept, names(online), "the last " + OnlineSnapshot.KEPT + " snapshots stay");

    bronze.impression("a4", "23:00:00", "u1", "i2", "r4", null, 0).commit();
    FeaturesJob.run(spark, bronze.tables, BronzeRows.config(), ReadMode.INCREMENTAL, FeaturesJob.Scope.SILVER_AND_GOLD, online);

    JsonNode next = JSON.readTree(online.resolve(OnlineSnapshot.POINTER).toFile());
    assertEquals(globalVersion(bronze.tables), next.get("gold_version").asLong());
    assertTrue(next.get("gold_version").asLong() > version);
    assertSameRows(bronze.tables.users(), Path.of(next.get("snapshot").asText()).resolve("users.jsonl"));
  }

  private long globalVersion(FeatureTables tables) {
    Row last = DeltaTable.forName(spark, tables.global()).history(1).head();
    return last.getLong(last.fieldIndex("version"));
  }

  private static Set<String> names(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
    }
  }

  /** Every row of {@code table} is one line of {@code file}, column by column (nulls omitted). */
  private void assertSameRows(String table, Path file) throws IOException {
    List<Row> rows = spark.table(table).collectAsList();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      lines.add(JSON.readTree(line));
    }
    assertEquals(rows.size(), lines.size(), file.toString());
    assertTrue(rows.size() > 0, table + " is empty: the test shows nothing");
    for (Row row : rows) {
      StructField[] fields = row.schema().fields();
      JsonNode line = lines.stream().filter(l -> sameKey(l, row)).findFirst().orElseThrow(
          () -> new AssertionError(table + " row " + row + " not in " + file));
      for (int c = 0; c < fields.length; c++) {
        String name = fields[c].name();
        Object value = row.get(c);
        JsonNode field = line.get(name);
        if (value == null) {
          assertTrue(field == null || field.isNull(), name);
        } else if (value instanceof Timestamp time) {
          assertEquals(time.toInstant(), java.time.Instant.parse(field.asText()), name);
        } else if (value instanceof Number number) {
          assertEquals(number.doubleValue(), field.asDouble(), 0.0, name);
        } else {
          assertEquals(value.toString(), field.asText(), name);
        }
      }
    }
  }

  private static boolean sameKey(JsonNode line, Row row) {
    for (String key : List.of("scope", "user_id", "item_id", "query")) {
      if (List.of(row.schema().fieldNames()).contains(key)
          && !String.valueOf((Object) row.getAs(key)).equals(line.path(key).asText("null"))) {
        return false;
      }
    }
    return true;
  }
}
