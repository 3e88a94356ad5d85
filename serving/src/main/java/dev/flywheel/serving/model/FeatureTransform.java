package dev.flywheel.serving.model;

import java.util.Locale;

/**
 * How one raw feature value becomes a learner input, with the statistics training stored: the same
 * arithmetic as the features job's normalization, so training and serving agree to the last bit.
 *
 * @param kind {@code zscore}, {@code log1p_zscore} or {@code none}
 * @param mean mean of the transformed value (ignored for {@code none})
 * @param stddev population standard deviation of the transformed value; 0 maps every value to 0
 */
public record FeatureTransform(String kind, double mean, double stddev) {
  public static final String ZSCORE = "zscore";
  public static final String LOG1P_ZSCORE = "log1p_zscore";
  public static final String NONE = "none";

  /** The identity, for features a bundle does not normalize. */
  public static final FeatureTransform IDENTITY = new FeatureTransform(NONE, 0, 1);

  public FeatureTransform {
    kind = kind.toLowerCase(Locale.ROOT);
    if (!kind.equals(ZSCORE) && !kind.equals(LOG1P_ZSCORE) && !kind.equals(NONE)) {
      throw new InvalidBundleException("unknown transform '" + kind + "': expected zscore, log1p_zscore or none");
    }
  }

  /** The normalized value of {@code raw}. */
  public double apply(double raw) {
    if (kind.equals(NONE)) {
      return raw;
    }
    double centred = (kind.equals(LOG1P_ZSCORE) ? Math.log1p(raw) : raw) - mean;
    return stddev == 0 || Double.isNaN(stddev) ? 0.0 : centred / stddev;
  }
}
