package dev.flywheel.serving.model;

import java.util.List;
import java.util.Objects;

/**
 * What one request gives a bundle to score: the user, the candidate items and each candidate's raw
 * (not yet normalized) feature row, in the bundle's {@link ModelBundle#features()} order. The ids
 * matter to the learners that know ids (the factorization machine hashes them into buckets).
 *
 * @param userId who asks
 * @param itemIds the candidates, one per row
 * @param rawRows one raw feature row per candidate; not copied (the scoring hot path), so the caller
 *     must not change them while they are scored
 */
public record Candidates(String userId, List<String> itemIds, double[][] rawRows) {
  /** @throws IllegalArgumentException when there is not one row per item */
  public Candidates {
    Objects.requireNonNull(userId, "userId");
    itemIds = List.copyOf(itemIds);
    Objects.requireNonNull(rawRows, "rawRows");
    if (itemIds.size() != rawRows.length) {
      throw new IllegalArgumentException(itemIds.size() + " item ids but " + rawRows.length + " feature rows");
    }
  }

  /** The number of candidates. */
  public int size() {
    return rawRows.length;
  }
}
