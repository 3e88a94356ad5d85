package dev.flywheel.serving.online;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * One row of a gold running-state table (user, item, query-item or global) as the online snapshot
 * holds it: the additive counts, the decayed counts valued at {@code lastEventTime}, and that time.
 * Absent counts read as 0, absent decayed counts as 0, an absent time as null and an absent last rating
 * as NaN (the gold tables' nulls). Immutable.
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
 * @param decayedRatings ratings weighted likewise
 * @param decayedPositiveRatings ratings of 4 or more weighted likewise
 * @param lastEventTime the latest event counted, or null
 * @param lastRating the latest rating (the highest of its instant's), NaN before the first
 */
public record EntityState(long impressions, long clicks, long purchases, long ratings, double ratingSum,
    long positiveRatings, long dwells, double dwellSum, double[] decayedImpressions, double[] decayedClicks,
    double[] decayedRatings, double[] decayedPositiveRatings, Instant lastEventTime,
    double lastRating) {
  /** The decayed-count suffixes in the order of the bundle's half-lives. */
  static final String[] HALF_LIFE_NAMES = {"short", "mid", "long"};

  /** The state of an entity the snapshot has never seen: all counts 0, no last event. */
  public static final EntityState UNSEEN = new EntityState(0, 0, 0, 0, 0, 0, 0, 0, new double[3], new double[3],
      new double[3], new double[3], null, Double.NaN);

  public EntityState {
    decayedImpressions = decayedImpressions.clone();
    decayedClicks = decayedClicks.clone();
    decayedRatings = decayedRatings.clone();
    decayedPositiveRatings = decayedPositiveRatings.clone();
  }

  /**
   * The state in one JSON object of the snapshot (gold column names).
   *
   * @throws IllegalArgumentException if a field has the wrong type or last_event_time is not an ISO instant
   */
  static EntityState fromJson(JsonNode row) {
    double[] decayedImpressions = decayed(row, "impressions");
    double[] decayedClicks = decayed(row, "clicks");
    double[] decayedRatings = decayed(row, "ratings");
    double[] decayedPositiveRatings = decayed(row, "positive_ratings");
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
        decayedImpressions, decayedClicks, decayedRatings, decayedPositiveRatings, lastEventTime,
        row.hasNonNull("last_rating") ? number(row, "last_rating") : Double.NaN);
  }

  /** {@code decayed_<count>_<short|mid|long>}, in half-life order. */
  private static double[] decayed(JsonNode row, String count) {
    double[] values = new double[HALF_LIFE_NAMES.length];
    for (int i = 0; i < HALF_LIFE_NAMES.length; i++) {
      values[i] = number(row, "decayed_" + count + "_" + HALF_LIFE_NAMES[i]);
    }
    return values;
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
