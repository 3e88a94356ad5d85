package dev.flywheel.serving.rank;

import java.util.List;

/**
 * A ranking: the candidates best first with their scores, and the model version that scored them.
 * Immutable.
 *
 * @param requestId the request's id
 * @param modelVersion the version that ranked (or {@value ServingState#RANDOM})
 * @param items the candidates, best first
 * @param scores each item's score, in the same order (non-increasing)
 */
public record RankResult(String requestId, String modelVersion, List<String> items, double[] scores) {
  public RankResult {
    items = List.copyOf(items);
    scores = scores.clone();
    if (items.size() != scores.length) {
      throw new IllegalArgumentException(items.size() + " items but " + scores.length + " scores");
    }
  }
}
