package dev.flywheel.serving.rank;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One ranking request, validated. Immutable.
 *
 * @param requestId the request's id (the caller's, or one the server generated)
 * @param userId who asks
 * @param surface search, recommendation or another surface name; may be null
 * @param query the search text, or null
 * @param context free context (device, country, ...)
 * @param candidates the distinct item ids to order
 * @param time when the request is made: the time its features are valued at and its impressions carry
 */
public record RankRequest(String requestId, String userId, String surface, String query, Map<String, String> context,
    List<String> candidates, Instant time) {
  public RankRequest {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(time, "time");
    context = Map.copyOf(context);
    candidates = List.copyOf(candidates);
  }
}
