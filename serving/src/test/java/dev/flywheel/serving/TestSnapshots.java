package dev.flywheel.serving;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/** A small online snapshot written as the features job writes one (JSON Lines of gold rows). */
public final class TestSnapshots {
  private TestSnapshots() {}

  /**
   * Global: 1000 impressions, 50 clicks, 40 ratings of which 30 positive. User u-1, items i-1 and i-2,
   * and (shoes, i-1) with known counts; last events on 2026-11-20.
   */
  public static Path write(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("global.json"), """
          {"scope":"all","impressions":1000,"clicks":50,"purchases":5,"ratings":40,"rating_sum":150.0,\
          "positive_ratings":30,"dwells":50,"dwell_sum":2000.0,"decayed_impressions_short":10.0,\
          "last_event_time":"2026-11-20T00:00:00Z","as_of":"2026-11-20T00:00:00Z","ctr":0.05}
          """);
      Files.writeString(dir.resolve("users.jsonl"), """
          {"user_id":"u-1","impressions":40,"clicks":8,"purchases":1,"ratings":2,"rating_sum":9.0,\
          "positive_ratings":2,"dwells":8,"dwell_sum":400.0,"decayed_impressions_short":4.0,\
          "decayed_impressions_mid":20.0,"decayed_impressions_long":35.0,"decayed_clicks_short":1.0,\
          "decayed_clicks_mid":4.0,"decayed_clicks_long":7.0,"decayed_ratings_short":1.5,\
          "decayed_positive_ratings_short":1.25,"first_event_time":"2026-11-01T00:00:00Z",\
          "last_event_time":"2026-11-20T10:00:00Z","last_rating":3.5,"ctr":0.1}
          """);
      Files.writeString(dir.resolve("items.jsonl"), """
          {"item_id":"i-1","impressions":300,"clicks":30,"purchases":3,"ratings":0,"rating_sum":0.0,\
          "positive_ratings":0,"dwells":0,"dwell_sum":0.0,"decayed_impressions_short":50.0,\
          "decayed_impressions_mid":150.0,"decayed_impressions_long":280.0,"decayed_clicks_short":5.0,\
          "decayed_clicks_mid":15.0,"decayed_clicks_long":28.0,"last_event_time":"2026-11-20T11:00:00Z"}
          {"item_id":"i-2","impressions":100,"clicks":1,"purchases":0,"ratings":4,"rating_sum":8.0,\
          "positive_ratings":1,"dwells":1,"dwell_sum":5.0,"decayed_impressions_short":1.0,\
          "last_event_time":"2026-11-19T12:00:00Z"}
          """);
      Files.writeString(dir.resolve("query_items.jsonl"), """
          {"query":"shoes","item_id":"i-1","impressions":20,"clicks":6,"purchases":1,"ratings":0,\
          "decayed_impressions_short":2.0,"decayed_clicks_short":0.5,"last_event_time":"2026-11-20T09:00:00Z"}
          """);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Adds items i-3 .. i-(n-1) with varied counts and recency to the snapshot in {@code dir}. */
  public static Path withItems(Path dir, int n) {
    StringBuilder lines = new StringBuilder();
    for (int i = 3; i < n; i++) {
      lines.append(String.format(Locale.ROOT, "{\"item_id\":\"i-%d\",\"impressions\":%d,\"clicks\":%d,"
          + "\"decayed_impressions_short\":%d.5,\"decayed_clicks_mid\":%d.25,"
          + "\"last_event_time\":\"2026-11-20T%02d:%02d:00Z\"}%n", i, 7 * i % 101, i % 13, i % 5, i % 3, i % 12, i % 60));
    }
    try {
      Files.writeString(dir.resolve("items.jsonl"), lines.toString(), StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }
}
