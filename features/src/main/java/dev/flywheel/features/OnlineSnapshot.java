package dev.flywheel.features;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.lakehouse.LocalFiles;
import dev.flywheel.lakehouse.TableCatalog;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The online feature snapshot the Spark-free server reads: {@code online/snapshot-<gold.global_features
 * version>/} with {@code global.json}, {@code users.jsonl}, {@code items.jsonl} and {@code query_items.jsonl}
 * (JSON Lines, the gold tables' column names, timestamps as ISO-8601 UTC strings, nulls omitted), and the
 * pointer {@code online/CURRENT.json} = {@code {"snapshot", "as_of", "gold_version"}}. The folder is written
 * under a temporary name and renamed, then the pointer is replaced atomically, so a reader sees either the
 * previous snapshot or the new one whole. The last {@link #KEPT} snapshots are kept.
 */
public final class OnlineSnapshot {
  /** The pointer file's name. */
  public static final String POINTER = "CURRENT.json";

  /** How many snapshot folders stay (a server still reading the previous one keeps it). */
  public static final int KEPT = 3;

  private static final String PREFIX = "snapshot-";
  private static final String ISO_TIMESTAMP = "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX";
  private static final ObjectMapper JSON = new ObjectMapper();

  private OnlineSnapshot() {}

  /**
   * The files of a snapshot, in order, and their rows: every row of each gold table, all its columns,
   * ordered by key so two exports of the same gold are the same files. Pure.
   */
  public static Map<String, Dataset<Row>> files(Dataset<Row> global, Dataset<Row> users, Dataset<Row> items,
      Dataset<Row> queryItems) {
    Map<String, Dataset<Row>> files = new LinkedHashMap<>();
    files.put("global.json", global);
    files.put("users.jsonl", users.orderBy(Joins.columns(Entity.USER.keyArray())));
    files.put("items.jsonl", items.orderBy(Joins.columns(Entity.ITEM.keyArray())));
    files.put("query_items.jsonl", queryItems.orderBy(Joins.columns(Entity.QUERY_ITEM.keyArray())));
    return files;
  }

  /**
   * Exports the snapshot of the current gold.global_features version into {@code online} unless that
   * snapshot exists, points {@code CURRENT.json} at it and removes all but the last {@link #KEPT}.
   *
   * @return the new snapshot folder, or empty when gold has no frontier yet or the snapshot exists
   * @throws UncheckedIOException when a file cannot be written, moved or removed
   */
  public static Optional<Path> export(SparkSession spark, FeatureTables tables, Path online) {
    Row last = DeltaTable.forName(spark, tables.global()).history(1).head();
    long version = last.getLong(last.fieldIndex("version"));
    Dataset<Row> global = TableCatalog.asOf(spark, tables.global(), version);
    List<Row> frontier = global.select(col("as_of")).collectAsList();
    Path folder = online.toAbsolutePath().resolve(PREFIX + version);
    if (frontier.isEmpty() || frontier.get(0).isNullAt(0) || Files.exists(folder)) {
      return Optional.empty();
    }
    Timestamp asOf = frontier.get(0).getTimestamp(0);
    try {
      Files.createDirectories(online);
      Path temp = online.toAbsolutePath().resolve(".writing-" + PREFIX + version + "-" + UUID.randomUUID());
      Map<String, Dataset<Row>> files = files(global, spark.table(tables.users()), spark.table(tables.items()),
          spark.table(tables.queryItems()));
      for (Map.Entry<String, Dataset<Row>> file : files.entrySet()) {
        writeJsonLines(file.getValue(), temp, file.getKey());
      }
      Files.move(temp, folder, StandardCopyOption.ATOMIC_MOVE);
      ObjectNode pointer = JSON.createObjectNode()
          .put("snapshot", folder.toString())
          .put("as_of", asOf.toInstant().toString())
          .put("gold_version", version);
      Path pointerTemp = online.resolve(".writing-" + POINTER + "-" + UUID.randomUUID());
      JSON.writeValue(pointerTemp.toFile(), pointer);
      Files.move(pointerTemp, online.resolve(POINTER), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      removeOlderThanLast(online, KEPT);
      return Optional.of(folder);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot export the online snapshot of gold version " + version + " to "
          + folder + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code rows} as the one JSON Lines file {@code folder/name} with Spark's JSON writer. */
  private static void writeJsonLines(Dataset<Row> rows, Path folder, String name) throws IOException {
    Path parts = folder.resolve(name + ".parts");
    rows.coalesce(1).write()
        .option("timeZone", "UTC")
        .option("timestampFormat", ISO_TIMESTAMP)
        .json(parts.toString());
    Path target = folder.resolve(name);
    try (Stream<Path> files = Files.list(parts)) {
      Optional<Path> part = files.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst();
      if (part.isPresent()) {
        Files.move(part.get(), target);
      } else {
        Files.createFile(target);
      }
    }
    LocalFiles.deleteTree(parts);
  }

  private static void removeOlderThanLast(Path online, int kept) throws IOException {
    List<Path> snapshots = new ArrayList<>();
    try (Stream<Path> entries = Files.list(online)) {
      entries.filter(p -> p.getFileName().toString().matches(PREFIX + "\\d+")).forEach(snapshots::add);
    }
    snapshots.sort(Comparator.comparingLong(
        (Path p) -> Long.parseLong(p.getFileName().toString().substring(PREFIX.length()))).reversed());
    for (Path old : snapshots.subList(Math.min(kept, snapshots.size()), snapshots.size())) {
      LocalFiles.deleteTree(old);
    }
  }
}
