package dev.flywheel.lakehouse;

import static org.apache.spark.sql.functions.log1p;

import org.apache.spark.sql.Column;

/**
 * The normalization of training-example features, in one place for the features job (which keeps the
 * statistics in gold.feature_stats) and the trainer (which applies them and exports them to the
 * serving bundle). Counts are normalized as {@code (log1p(x) - mean) / stddev}, the rest as
 * {@code (x - mean) / stddev}; a constant feature (stddev 0 or unknown) normalizes to 0. Pure.
 */
public final class FeatureTransforms {
  /** Transform of count-like features: statistics and scaling of log1p(x). */
  public static final String LOG1P_ZSCORE = "log1p_zscore";
  /** Transform of rates, means and recency. */
  public static final String ZSCORE = "zscore";
  /** No transform: the raw value (the serving bundle's format allows it; no feature uses it today). */
  public static final String NONE = "none";

  private FeatureTransforms() {}

  /** The transform of one feature column: log1p for counts and decayed counts, identity for the rest. */
  public static String transformOf(String feature) {
    return feature.matches(".*_(impressions|clicks|purchases|ratings)(_short|_mid|_long)?") ? LOG1P_ZSCORE : ZSCORE;
  }

  /** t(x): the value the statistics are kept of. */
  public static Column transformed(Column x, String transform) {
    return transform.equals(LOG1P_ZSCORE) ? log1p(x) : x;
  }

  /**
   * {@code (t(x) - mean) / stddev}, or {@code x} for {@link #NONE}; 0 (null for a null x) when stddev
   * is 0 or unknown, so a constant feature carries no signal instead of dividing by zero.
   *
   * @throws IllegalArgumentException when {@code transform} is not one of the three
   */
  public static Column normalized(Column x, String transform, double mean, Double stddev) {
    if (transform.equals(NONE)) {
      return x;
    }
    if (!transform.equals(ZSCORE) && !transform.equals(LOG1P_ZSCORE)) {
      throw new IllegalArgumentException("Unknown feature transform " + transform + "; expected "
          + ZSCORE + ", " + LOG1P_ZSCORE + " or " + NONE);
    }
    Column centred = transformed(x, transform).minus(mean);
    return stddev == null || stddev == 0 ? centred.multiply(0.0) : centred.divide(stddev);
  }
}
