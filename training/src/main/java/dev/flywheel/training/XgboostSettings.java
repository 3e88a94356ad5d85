package dev.flywheel.training;

import java.util.Map;

/**
 * XGBoost's boosting settings for one run, validated here so a bad value fails before Spark work starts.
 *
 * @param rounds boosting rounds: trees added per run (an incremental run adds them to the champion's)
 * @param maxDepth tree depth
 * @param eta learning rate: each tree's shrinkage
 * @param minChildWeight least hessian sum in a leaf: larger keeps trees off small, noisy groups
 * @param subsample share of the training rows each tree sees (1 = all, no sampling)
 */
public record XgboostSettings(int rounds, int maxDepth, double eta, double minChildWeight, double subsample) {
  /** The defaults' values, as constants so that command-line defaults can name them. */
  public static final int DEFAULT_ROUNDS = 30;
  public static final int DEFAULT_MAX_DEPTH = 4;
  public static final double DEFAULT_ETA = 0.3;
  public static final double DEFAULT_MIN_CHILD_WEIGHT = 1;
  public static final double DEFAULT_SUBSAMPLE = 1;

  /**
   * 30 trees of depth 4 at eta 0.3, XGBoost's own min_child_weight 1 and no row sampling. Not the best on
   * every data set: shallower, slower-learning trees (100 of depth 3 at eta 0.1, min_child_weight 20) score
   * 0.016 better on the simulator's examples and 0.001 worse on MovieLens (README, Training benchmark).
   */
  public static final XgboostSettings DEFAULT = new XgboostSettings(DEFAULT_ROUNDS, DEFAULT_MAX_DEPTH, DEFAULT_ETA,
      DEFAULT_MIN_CHILD_WEIGHT, DEFAULT_SUBSAMPLE);

  public XgboostSettings {
    if (rounds < 1 || maxDepth < 1) {
      throw new IllegalArgumentException("rounds " + rounds + " and max depth " + maxDepth + " must be >= 1");
    }
    if (!(eta > 0 && eta <= 1)) {
      throw new IllegalArgumentException("eta " + eta + " must be in (0, 1]");
    }
    if (!(minChildWeight >= 0)) {
      throw new IllegalArgumentException("min child weight " + minChildWeight + " must be >= 0");
    }
    if (!(subsample > 0 && subsample <= 1)) {
      throw new IllegalArgumentException("subsample " + subsample + " must be in (0, 1]");
    }
  }

  /** The settings as stored in a version's params. */
  Map<String, String> asParams() {
    return Map.of("rounds", String.valueOf(rounds), "max_depth", String.valueOf(maxDepth), "eta", String.valueOf(eta),
        "min_child_weight", String.valueOf(minChildWeight), "subsample", String.valueOf(subsample));
  }

  /**
   * The settings {@link #asParams} stored; versions stored before eta, min_child_weight and subsample were
   * settings were trained with eta 0.3, min_child_weight 1 and no row sampling.
   *
   * @throws NumberFormatException when a value is malformed
   */
  static XgboostSettings fromParams(Map<String, String> params, String rounds, String maxDepth) {
    return new XgboostSettings(Integer.parseInt(rounds), Integer.parseInt(maxDepth),
        Double.parseDouble(params.getOrDefault("eta", "0.3")),
        Double.parseDouble(params.getOrDefault("min_child_weight", "1")),
        Double.parseDouble(params.getOrDefault("subsample", "1")));
  }
}
