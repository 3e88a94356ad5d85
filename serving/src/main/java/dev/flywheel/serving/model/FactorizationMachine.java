package dev.flywheel.serving.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;

/**
 * A second-order factorization machine over the normalized dense features plus a one-hot user bucket
 * and a one-hot item bucket, read from a bundle's {@code fm.json}:
 * {@code p = sigmoid(w0 + sum_i w_i x_i + 0.5 sum_f [(sum_i v_if x_i)^2 - sum_i v_if^2 x_i^2])}, where the
 * id inputs are 1 for the request's user bucket and the candidate's item bucket. A bucket that training
 * never saw has no entry and contributes nothing, as in training (MLlib's model gives an unseen id an
 * all-zero one-hot). Immutable and thread-safe.
 */
public final class FactorizationMachine {
  /** The linear weight and the factor row of one id bucket. */
  private record IdWeights(double linear, double[] factors) {}

  private final double intercept;
  private final double[] linear;
  private final double[][] factors;
  private final Map<Long, IdWeights> users;
  private final Map<Long, IdWeights> items;
  private final int factorSize;

  private FactorizationMachine(double intercept, double[] linear, double[][] factors, Map<Long, IdWeights> users,
      Map<Long, IdWeights> items, int factorSize) {
    this.intercept = intercept;
    this.linear = linear;
    this.factors = factors;
    this.users = users;
    this.items = items;
    this.factorSize = factorSize;
  }

  /**
   * Reads {@code fm.json}: {@code intercept}, {@code factor_size}, {@code features} ({@code linear}: one
   * weight per dense feature, {@code factors}: one row of factor_size per dense feature), and
   * {@code users} and {@code items}, each with parallel arrays {@code buckets}, {@code linear} and
   * {@code factors} for the buckets seen in training.
   */
  public static FactorizationMachine fromJson(JsonNode model) {
    if (!model.path("intercept").isNumber() || !model.path("factor_size").canConvertToInt()) {
      throw new InvalidBundleException("fm model needs a numeric 'intercept' and an integer 'factor_size'");
    }
    int factorSize = model.get("factor_size").asInt();
    JsonNode dense = model.path("features");
    double[] linear = doubles(dense.path("linear"), -1, "features.linear");
    double[][] factors = rows(dense.path("factors"), linear.length, factorSize, "features.factors");
    return new FactorizationMachine(model.get("intercept").asDouble(), linear, factors,
        ids(model.path("users"), factorSize, "users"), ids(model.path("items"), factorSize, "items"), factorSize);
  }

  /** The number of dense features. */
  public int featureCount() {
    return linear.length;
  }

  /** The probability of normalized dense features {@code x} for the user and item in these buckets. */
  public double probability(double[] x, long userBucket, long itemBucket) {
    if (x.length != linear.length) {
      throw new IllegalArgumentException("the fm model expects " + linear.length + " features, got " + x.length);
    }
    double margin = intercept;
    double[] sum = new double[factorSize];
    double squares = 0;
    for (int i = 0; i < x.length; i++) {
      if (x[i] != 0) {
        margin += linear[i] * x[i];
        for (int f = 0; f < factorSize; f++) {
          double vx = factors[i][f] * x[i];
          sum[f] += vx;
          squares += vx * vx;
        }
      }
    }
    IdWeights user = users.get(userBucket);
    IdWeights item = items.get(itemBucket);
    if (user != null) {
      margin += user.linear();
      squares = addFactors(user.factors(), sum, squares);
    }
    if (item != null) {
      margin += item.linear();
      squares = addFactors(item.factors(), sum, squares);
    }
    double pairs = 0;
    for (int f = 0; f < factorSize; f++) {
      pairs += sum[f] * sum[f];
    }
    margin += 0.5 * (pairs - squares);
    return 1 / (1 + Math.exp(-margin));
  }

  /** Adds an id's factor row to {@code sum} (its one-hot input is 1) and its squares to {@code squares}. */
  private static double addFactors(double[] factors, double[] sum, double squares) {
    for (int f = 0; f < factors.length; f++) {
      sum[f] += factors[f];
      squares += factors[f] * factors[f];
    }
    return squares;
  }

  private static Map<Long, IdWeights> ids(JsonNode ids, int factorSize, String name) {
    JsonNode buckets = ids.path("buckets");
    if (!buckets.isArray()) {
      throw new InvalidBundleException("fm model needs '" + name + ".buckets', an array");
    }
    double[] linear = doubles(ids.path("linear"), buckets.size(), name + ".linear");
    double[][] factors = rows(ids.path("factors"), buckets.size(), factorSize, name + ".factors");
    Map<Long, IdWeights> weights = new HashMap<>();
    for (int j = 0; j < buckets.size(); j++) {
      weights.put(buckets.get(j).asLong(), new IdWeights(linear[j], factors[j]));
    }
    return Map.copyOf(weights);
  }

  /** An array of numbers, of {@code size} elements unless size is -1. */
  private static double[] doubles(JsonNode array, int size, String name) {
    if (!array.isArray() || (size >= 0 && array.size() != size)) {
      throw new InvalidBundleException("fm model's '" + name + "' must be an array"
          + (size >= 0 ? " of " + size + " numbers" : "") + ", got "
          + (array.isArray() ? array.size() + " elements" : array.getNodeType()));
    }
    double[] values = new double[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = array.get(i).asDouble();
    }
    return values;
  }

  private static double[][] rows(JsonNode array, int size, int width, String name) {
    if (!array.isArray() || array.size() != size) {
      throw new InvalidBundleException("fm model's '" + name + "' must have " + size + " rows, has "
          + (array.isArray() ? array.size() : "none"));
    }
    double[][] rows = new double[size][];
    for (int i = 0; i < size; i++) {
      rows[i] = doubles(array.get(i), width, name + "[" + i + "]");
    }
    return rows;
  }
}
