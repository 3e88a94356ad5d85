package dev.flywheel.serving.model;

import java.util.Locale;

/**
 * How one raw feature value becomes a learner input, with the statistics training stored: the same
 * arithmetic as the features job's normalization, so training and serving agree to the last bit.
 *
 * @param kind how the value is transformed before centring and scaling
 * @param mean mean of the transformed value (ignored for {@link Kind#NONE})
 * @param stddev population standard deviation of the transformed value; 0 maps every value to 0
 */
public record FeatureTransform(Kind kind, double mean, double stddev) {
  /** The transforms a bundle names, by their stored names. */
  public enum Kind {
    ZSCORE("zscore"), LOG1P_ZSCORE("log1p_zscore"), NONE("none");

    private final String stored;

    Kind(String stored) {
      this.stored = stored;
    }

    /** The kind stored as {@code name}. */
    public static Kind of(String name) {
      for (Kind kind : values()) {
        if (kind.stored.equals(name.toLowerCase(Locale.ROOT))) {
          return kind;
        }
      }
      throw new InvalidBundleException("unknown transform '" + name + "': expected zscore, log1p_zscore or none");
    }
  }

  /** The identity, for features a bundle does not normalize. */
  public static final FeatureTransform IDENTITY = new FeatureTransform(Kind.NONE, 0, 1);

  /** The normalized value of {@code raw}. */
  public double apply(double raw) {
    if (kind == Kind.NONE) {
      return raw;
    }
    double centred = (kind == Kind.LOG1P_ZSCORE ? Math.log1p(raw) : raw) - mean;
    return stddev == 0 || Double.isNaN(stddev) ? 0.0 : centred / stddev;
  }
}
