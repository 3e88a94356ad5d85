package dev.flywheel.serving.online;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * One row of a gold running-state table (user, item, query-item or global) as the online snapshot
 * holds it: the additive counts, the decayed counts valued at {@code lastEventTime}, and that time.
 * Absent counts read as 0, absent decayed counts as 0, an absent time as null (the gold tables'
 * nulls). Immutable.
 *
 * @param impressions impressions before the frontier
 * @param clicks attributed clicks
 * @param purchases attributed purchases
 * @param ratings ratings
 * @param ratingSum sum of the ratings
 * @param positiveRatings ratings of 4 or more
 * @param dwells impressions with a dwell time
 * @param dwellSum sum of the dwell seconds
 * @param decayedImpressions impressions weighted with the short, mid and long half-lives, valued at lastEventTime
 * @param decayedClicks clicks weighted likewise
 * @param lastEventTime the latest event counted, or null
 */
public record EntityState(long impressions, long clicks, long purchases, long ratings, double ratingSum,
    long positiveRatings, long dwells, double dwellSum, double[] decayedImpressions, double[] decayedClicks,
    Instant lastEventTime) {
  /** The decayed-count suffixes in the order of the bundle's half-lives. */
  static final String[] HALF_LIFE_NAMES = {"short", "mid", "long"};

  /** The state of an entity the snapshot has never seen: all counts 0, no last event. */
  public static final EntityState UNSEEN = new EntityState(0, 0, 0, 0, 0, 0, 0, 0, new double[3], new double[3], null);

  public EntityState {
    decayedImpressions = decayedImpressions.clone();
    decayedClicks = decayedClicks.clone();
  }

  /**
   * The state in one JSON object of the snapshot (gold column names).
   *
   * @throws IllegalArgumentException if a field has the wrong type or last_event_time is not an ISO instant
   */
  static EntityState fromJson(JsonNode row) {
    double[] decayedImpressions = new double[HALF_LIFE_NAMES.length];
    double[] decayedClicks = new double[HALF_LIFE_NAMES.length];
    for (int i = 0; i < HALF_LIFE_NAMES.length; i++) {
      decayedImpressions[i] = number(row, "decayed_impressions_" + HALF_LIFE_NAMES[i]);
      decayedClicks[i] = number(row, "decayed_clicks_" + HALF_LIFE_NAMES[i]);
    }
    JsonNode last = row.get("last_event_time");
    Instant lastEventTime;
    try {
      lastEventTime = last == null || last.isNull() ? null : Instant.parse(last.asText());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("last_event_time is not an ISO-8601 instant: " + last, e);
    }
    return new EntityState((long) number(row, "impressions"), (long) number(row, "clicks"),
        (long) number(row, "purchases"), (long) number(row, "ratings"), number(row, "rating_sum"),
        (long) number(row, "positive_ratings"), (long) number(row, "dwells"), number(row, "dwell_sum"),
        decayedImpressions, decayedClicks, lastEventTime);
  }

  private static double number(JsonNode row, String field) {
    JsonNode value = row.get(field);
    if (value == null || value.isNull()) {
      return 0;
    }
    if (!value.isNumber()) {
      throw new IllegalArgumentException(field + " must be a number, got " + value);
    }
    return value.asDouble();
  }
}
