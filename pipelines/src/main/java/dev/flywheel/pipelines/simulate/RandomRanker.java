package dev.flywheel.pipelines.simulate;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Shows the candidates in random order, with model version {@value #MODEL_VERSION}: the unbiased
 * exploration traffic a first model is trained on. Deterministic for the generator's seed; not
 * thread-safe.
 */
public final class RandomRanker implements Ranker {
  /** The model version of randomly ordered impressions. */
  public static final String MODEL_VERSION = "random";
  private final RandomGenerator random;

  /** A ranker that shuffles with {@code random}. */
  public RandomRanker(RandomGenerator random) {
    this.random = random;
  }

  @Override
  public Ranking rank(Request request) {
    List<String> items = new ArrayList<>(request.candidates());
    for (int i = items.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      items.set(i, items.set(j, items.get(i)));
    }
    return new Ranking(items, MODEL_VERSION, request.requestId());
  }
}
