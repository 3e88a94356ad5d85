package dev.flywheel.serving.model;

/**
 * A logistic model: {@code sigmoid(intercept + coefficients . x)}. Used for the logistic-regression
 * base learner and for the stack over the base learners' logits.
 */
public record LinearModel(double intercept, double[] coefficients) {
  public LinearModel {
    coefficients = coefficients.clone();
  }

  /** The probability of {@code x}, which must have one value per coefficient. */
  public double probability(double[] x) {
    if (x.length != coefficients.length) {
      throw new IllegalArgumentException("expected " + coefficients.length + " inputs, got " + x.length);
    }
    double margin = intercept;
    for (int i = 0; i < x.length; i++) {
      margin += coefficients[i] * x[i];
    }
    return 1 / (1 + Math.exp(-margin));
  }

  /** {@code ln(p / (1 - p))} with p clipped to [1e-7, 1 - 1e-7], as the trainer feeds the stack. */
  public static double logit(double p) {
    double clipped = Math.min(Math.max(p, 1e-7), 1 - 1e-7);
    return Math.log(clipped / (1 - clipped));
  }

  /** The number of inputs. */
  public int size() {
    return coefficients.length;
  }
}
