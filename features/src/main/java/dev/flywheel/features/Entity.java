package dev.flywheel.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What gold counts by: the user, the item, the (query, item) pair of search impressions, or everything
 * (the global prior). Immutable.
 *
 * @param name the entity's name in reports
 * @param keys the key columns of its gold table
 * @param prefix the prefix of its features in a training example
 */
public record Entity(String name, List<String> keys, String prefix) {
  public static final Entity USER = new Entity("user", List.of("user_id"), "u_");
  public static final Entity ITEM = new Entity("item", List.of("item_id"), "i_");
  public static final Entity QUERY_ITEM = new Entity("query_item", List.of("query", "item_id"), "qi_");
  public static final Entity GLOBAL = new Entity("global", List.of("scope"), "g_");

  public Entity {
    keys = List.copyOf(keys);
  }

  /** The feature events that count for this entity, with its key columns. */
  public Dataset<Row> eventsOf(Dataset<Row> events) {
    if (name.equals(GLOBAL.name)) {
      return events.withColumn("scope", lit("all"));
    }
    Dataset<Row> counted = events;
    for (String key : keys) {
      counted = counted.where(col(key).isNotNull());
    }
    return counted;
  }

  /** The key columns as an array. */
  public String[] keyArray() {
    return keys.toArray(String[]::new);
  }
}
