package dev.flywheel.serving.rank;

import dev.flywheel.serving.model.Candidates;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Ranks a request's candidates with one serving state: with the champion, the bundle's score of each
 * candidate's online feature vector; without one, a random score per candidate seeded by the request
 * id, so a random ranking is reproducible. Ties keep the candidates' order. Pure.
 */
public final class Ranking {
  private Ranking() {}

  /** The candidates of {@code request} best first, as {@code state} scores them. */
  public static RankResult rank(ServingState state, RankRequest request) {
    double[] scores = state.bundle() == null ? randomScores(request)
        : state.bundle().score(new Candidates(request.userId(), request.candidates(), state.features().rows(
            state.snapshot(), request.time(), request.userId(), request.query(), request.candidates())));
    Integer[] order = new Integer[scores.length];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -scores[i]));
    List<String> items = new ArrayList<>(order.length);
    double[] sorted = new double[order.length];
    for (int rank = 0; rank < order.length; rank++) {
      items.add(request.candidates().get(order[rank]));
      sorted[rank] = scores[order[rank]];
    }
    return new RankResult(request.requestId(), state.modelVersion(), items, sorted);
  }

  private static double[] randomScores(RankRequest request) {
    SplittableRandom random = new SplittableRandom(fnv1a64(request.requestId()));
    double[] scores = new double[request.candidates().size()];
    Arrays.setAll(scores, i -> random.nextDouble());
    return scores;
  }

  /** A 64-bit hash of the id that is the same in every JVM (String.hashCode has only 32 bits). */
  private static long fnv1a64(String text) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    return hash;
  }
}
