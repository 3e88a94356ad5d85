package dev.flywheel.serving.online;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.serving.ServingException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The gold running state exported for serving (folder {@code online/snapshot-<gold version>/}): the
 * global row and the user, item and query-item rows, looked up by key. Entities absent from the
 * snapshot read as {@link EntityState#UNSEEN}. Immutable and thread-safe.
 */
public final class FeatureSnapshot {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final FeatureSnapshot EMPTY = new FeatureSnapshot("none", -1, null, EntityState.UNSEEN, Map.of(),
      Map.of(), Map.of());

  private final String name;
  private final long goldVersion;
  private final Instant asOf;
  private final EntityState global;
  private final Map<String, EntityState> users;
  private final Map<String, EntityState> items;
  private final Map<QueryItem, EntityState> queryItems;

  private FeatureSnapshot(String name, long goldVersion, Instant asOf, EntityState global,
      Map<String, EntityState> users, Map<String, EntityState> items, Map<QueryItem, EntityState> queryItems) {
    this.name = name;
    this.goldVersion = goldVersion;
    this.asOf = asOf;
    this.global = global;
    this.users = users;
    this.items = items;
    this.queryItems = queryItems;
  }

  /** The key of a query-item row. */
  record QueryItem(String query, String itemId) {}

  /** No snapshot yet: every entity is unseen and the global counts are 0 (name "none", gold version -1). */
  public static FeatureSnapshot empty() {
    return EMPTY;
  }

  /**
   * Reads the snapshot folder {@code pointer.snapshot()}: {@code global.json} and the optional
   * {@code users.jsonl}, {@code items.jsonl} and {@code query_items.jsonl}.
   *
   * @throws ServingException if global.json is missing or a file is not JSON Lines of gold rows
   */
  public static FeatureSnapshot load(SnapshotPointer pointer) {
    Path dir = pointer.snapshot();
    Path globalFile = dir.resolve("global.json");
    EntityState global;
    try {
      global = EntityState.fromJson(JSON.readTree(Files.readString(globalFile)));
    } catch (NoSuchFileException e) {
      throw new ServingException("Snapshot " + dir + " has no global.json; is it a complete online snapshot?", e);
    } catch (IOException | IllegalArgumentException e) {
      throw new ServingException("Cannot read " + globalFile + ": " + e.getMessage(), e);
    }
    return new FeatureSnapshot(dir.toString(), pointer.goldVersion(), pointer.asOf(), global,
        rows(dir.resolve("users.jsonl"), row -> text(row, "user_id")),
        rows(dir.resolve("items.jsonl"), row -> text(row, "item_id")),
        rows(dir.resolve("query_items.jsonl"), row -> new QueryItem(text(row, "query"), text(row, "item_id"))));
  }

  private static <K> Map<K, EntityState> rows(Path file, Function<JsonNode, K> key) {
    if (!Files.exists(file)) {
      return Map.of();
    }
    Map<K, EntityState> rows = new HashMap<>();
    long line = 0;
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String text;
      while ((text = reader.readLine()) != null) {
        line++;
        if (!text.isBlank()) {
          JsonNode row = JSON.readTree(text);
          rows.put(key.apply(row), EntityState.fromJson(row));
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new ServingException("Cannot read line " + line + " of " + file + ": " + e.getMessage(), e);
    }
    return rows;
  }

  private static String text(JsonNode row, String field) {
    JsonNode value = row.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException("key " + field + " must be a string, got " + value);
    }
    return value.asText();
  }

  /** The folder it was read from, or "none". */
  public String name() {
    return name;
  }

  /** The gold.global_features Delta version it exports, or -1 for none. */
  public long goldVersion() {
    return goldVersion;
  }

  /** The frontier of its counts, or null for none. */
  public Instant asOf() {
    return asOf;
  }

  /** The platform-wide row (the prior). */
  public EntityState global() {
    return global;
  }

  /** The user's row, or {@link EntityState#UNSEEN}. */
  public EntityState user(String userId) {
    return users.getOrDefault(userId, EntityState.UNSEEN);
  }

  /** The item's row, or {@link EntityState#UNSEEN}. */
  public EntityState item(String itemId) {
    return items.getOrDefault(itemId, EntityState.UNSEEN);
  }

  /** The (query, item) row, or {@link EntityState#UNSEEN}. */
  public EntityState queryItem(String query, String itemId) {
    return queryItems.getOrDefault(new QueryItem(query, itemId), EntityState.UNSEEN);
  }

  /** Users, items and query-item rows held. */
  public int size() {
    return users.size() + items.size() + queryItems.size();
  }
}
