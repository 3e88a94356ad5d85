package dev.flywheel.pipelines.simulate;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Orders a request's candidates as serving would. The simulator shows the items in the returned
 * order and tags every impression with the returned model version, so a simulation can run against
 * the real scorer ({@link HttpRanker}) or without one ({@link RandomRanker}).
 */
public interface Ranker {
  /**
   * The order in which to show {@code request}'s candidates.
   *
   * @throws SimulationException if the ranking cannot be obtained
   */
  Ranking rank(Request request);

  /**
   * One ranking request.
   *
   * @param requestId the request's id (shared by its impressions and feedback)
   * @param userId who asks
   * @param surface {@code search} or {@code recommendation}
   * @param query the search text, or null for recommendations
   * @param context device, country
   * @param candidates the item ids to order
   * @param time when the request is made (simulated time), or null for the ranker's clock
   */
  record Request(String requestId, String userId, String surface, String query, Map<String, String> context,
      List<String> candidates, Instant time) {
    public Request {
      Objects.requireNonNull(requestId, "requestId");
      context = Map.copyOf(context);
      candidates = List.copyOf(candidates);
    }
  }

  /**
   * A ranker's answer.
   *
   * @param items the items to show, best first; a subset of the candidates
   * @param modelVersion the version of the model that ranked them
   * @param requestId the id under which the ranker knows the request (its impressions carry it)
   */
  record Ranking(List<String> items, String modelVersion, String requestId) {
    public Ranking {
      items = List.copyOf(items);
      Objects.requireNonNull(modelVersion, "modelVersion");
      Objects.requireNonNull(requestId, "requestId");
    }
  }
}
