package dev.flywheel.app;

import dev.flywheel.training.XgboostSettings;
import picocli.CommandLine.Option;

/** XGBoost's settings on the command line of `train` and `bench train`; an option left out keeps the default. */
final class XgboostOptions {
  @Option(names = "--rounds", paramLabel = "N", description = "XGBoost rounds (default: 30).")
  Integer rounds;

  @Option(names = "--max-depth", paramLabel = "N", description = "XGBoost tree depth (default: 4).")
  Integer maxDepth;

  @Option(names = "--eta", paramLabel = "X", description = "XGBoost learning rate, in (0, 1] (default: 0.3).")
  Double eta;

  @Option(names = "--min-child-weight", paramLabel = "X",
      description = "XGBoost's least hessian sum in a leaf (default: 1).")
  Double minChildWeight;

  @Option(names = "--subsample", paramLabel = "X",
      description = "Share of the rows each XGBoost tree sees, in (0, 1] (default: 1).")
  Double subsample;

  /**
   * The settings given, the defaults for the rest.
   *
   * @throws IllegalArgumentException when a value is out of range
   */
  XgboostSettings settings() {
    XgboostSettings defaults = XgboostSettings.DEFAULT;
    return new XgboostSettings(rounds != null ? rounds : defaults.rounds(),
        maxDepth != null ? maxDepth : defaults.maxDepth(), eta != null ? eta : defaults.eta(),
        minChildWeight != null ? minChildWeight : defaults.minChildWeight(),
        subsample != null ? subsample : defaults.subsample());
  }
}
