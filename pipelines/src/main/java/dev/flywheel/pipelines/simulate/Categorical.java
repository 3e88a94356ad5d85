package dev.flywheel.pipelines.simulate;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/** Draws indexes with fixed weights in O(log n) (inverse of the cumulative weights). Immutable. */
final class Categorical {
  private final int[] values;
  private final double[] cumulative;

  private Categorical(int[] values, double[] cumulative) {
    this.values = values;
    this.cumulative = cumulative;
  }

  /** Draws {@code values[i]} with probability proportional to {@code weights[i]}. */
  static Categorical of(int[] values, double[] weights) {
    double[] cumulative = new double[weights.length];
    double sum = 0;
    for (int i = 0; i < weights.length; i++) {
      sum += weights[i];
      cumulative[i] = sum;
    }
    for (int i = 0; i < cumulative.length; i++) {
      cumulative[i] /= sum;
    }
    return new Categorical(values.clone(), cumulative);
  }

  /** Draws {@code order[r]} with weight {@code 1 / (r + 1)^exponent}: a Zipf law over a ranking. */
  static Categorical zipf(int[] order, double exponent) {
    double[] weights = new double[order.length];
    for (int r = 0; r < order.length; r++) {
      weights[r] = 1 / Math.pow(r + 1, exponent);
    }
    return of(order, weights);
  }

  int size() {
    return values.length;
  }

  int draw(RandomGenerator random) {
    int at = Arrays.binarySearch(cumulative, random.nextDouble());
    int index = at >= 0 ? at : -at - 1;
    return values[Math.min(index, values.length - 1)];
  }
}
