package dev.flywheel.app;

import dev.flywheel.training.XgboostSettings;
import picocli.CommandLine.Option;

/** XGBoost's settings on the command line of `train` and `bench train`, defaulting to {@link XgboostSettings#DEFAULT}. */
final class XgboostOptions {
  @Option(names = "--rounds", paramLabel = "N", defaultValue = "" + XgboostSettings.DEFAULT_ROUNDS,
      description = "XGBoost rounds (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--max-depth", paramLabel = "N", defaultValue = "" + XgboostSettings.DEFAULT_MAX_DEPTH,
      description = "XGBoost tree depth (default: ${DEFAULT-VALUE}).")
  int maxDepth;

  @Option(names = "--eta", paramLabel = "X", defaultValue = "" + XgboostSettings.DEFAULT_ETA,
      description = "XGBoost learning rate, in (0, 1] (default: ${DEFAULT-VALUE}).")
  double eta;

  @Option(names = "--min-child-weight", paramLabel = "X", defaultValue = "" + XgboostSettings.DEFAULT_MIN_CHILD_WEIGHT,
      description = "XGBoost's least hessian sum in a leaf (default: ${DEFAULT-VALUE}).")
  double minChildWeight;

  @Option(names = "--subsample", paramLabel = "X", defaultValue = "" + XgboostSettings.DEFAULT_SUBSAMPLE,
      description = "Share of the rows each XGBoost tree sees, in (0, 1] (default: ${DEFAULT-VALUE}).")
  double subsample;

  /**
   * The settings given.
   *
   * @throws IllegalArgumentException when a value is out of range
   */
  XgboostSettings settings() {
    return new XgboostSettings(rounds, maxDepth, eta, minChildWeight, subsample);
  }
}
