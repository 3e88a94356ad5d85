package dev.flywheel.training;

import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Parameters of one training run, validated here so a bad value fails before Spark work starts.
 *
 * @param label label column: clicked (default) or positive (rating >= 4, MovieLens-style)
 * @param full train on every example instead of the examples since the champion's window plus a replay sample
 * @param replayRatio fraction of the older examples replayed in an incremental run
 * @param validationFraction latest-but-holdout share of the time range: the stack is fitted there
 * @param holdoutFraction latest share of the time range: every model is evaluated there
 * @param aucEpsilon the candidate's holdout AUC may be at most this much below the champion's
 * @param logLossDelta the candidate's holdout log loss may be at most this much above the champion's
 * @param xgboost XGBoost's rounds, depth, eta, min child weight and subsample
 * @param gpu train XGBoost with device=cuda (needs XGBoost's GPU build on the cluster)
 * @param refit after the stack is fitted, refit LR and XGBoost on the train and validation slices together,
 *     so the models that serve have learned from the freshest examples before the holdout
 * @param models folder under which each run's models are stored
 * @param until when present, only examples strictly before this instant exist for the run: a backtest
 *     "as of" a past time, and the way a benchmark keeps a later evaluation slice unseen
 * @param coldStart start every learner from nothing even when a champion could be continued (the window is
 *     still the incremental one unless {@code full}): the cold fit that shows what warm start buys
 */
public record TrainConfig(String label, boolean full, double replayRatio, double validationFraction,
    double holdoutFraction, double aucEpsilon, double logLossDelta, XgboostSettings xgboost, boolean gpu,
    boolean refit, Path models, Optional<Instant> until, boolean coldStart) {

  private static final Set<String> LABELS = Set.of("clicked", "positive");

  public TrainConfig {
    if (!LABELS.contains(label)) {
      throw new IllegalArgumentException("label " + label + " is not one of " + LABELS);
    }
    requireFraction("replay ratio", replayRatio);
    requireFraction("validation fraction", validationFraction);
    requireFraction("holdout fraction", holdoutFraction);
    if (validationFraction + holdoutFraction >= 0.9) {
      throw new IllegalArgumentException("validation fraction " + validationFraction + " + holdout fraction "
          + holdoutFraction + " leave less than 10% to train on; lower them");
    }
    until = until == null ? Optional.empty() : until;
    Objects.requireNonNull(xgboost, "xgboost");
  }

  /**
   * Defaults: clicked, incremental with 20% replay, 15% validation, 15% holdout, epsilon 0.005, delta 0.01,
   * XGBoost's {@link XgboostSettings#DEFAULT}, refit on the validation slice.
   */
  public static TrainConfig defaults(Path models) {
    return new TrainConfig("clicked", false, 0.2, 0.15, 0.15, 0.005, 0.01, XgboostSettings.DEFAULT, false, true, models,
        Optional.empty(), false);
  }

  /** A copy with another label and mode. */
  public TrainConfig with(String newLabel, boolean newFull) {
    return new TrainConfig(newLabel, newFull, replayRatio, validationFraction, holdoutFraction, aucEpsilon,
        logLossDelta, xgboost, gpu, refit, models, until, coldStart);
  }

  /** A copy that sees only the examples strictly before {@code bound}. */
  public TrainConfig before(Instant bound) {
    return new TrainConfig(label, full, replayRatio, validationFraction, holdoutFraction, aucEpsilon, logLossDelta,
        xgboost, gpu, refit, models, Optional.of(bound), coldStart);
  }

  /** A copy with another split: the validation and holdout shares of the time range. */
  public TrainConfig withSplit(double newValidationFraction, double newHoldoutFraction) {
    return new TrainConfig(label, full, replayRatio, newValidationFraction, newHoldoutFraction, aucEpsilon,
        logLossDelta, xgboost, gpu, refit, models, until, coldStart);
  }

  /** A copy with other XGBoost settings. */
  public TrainConfig withXgboost(XgboostSettings newXgboost) {
    return new TrainConfig(label, full, replayRatio, validationFraction, holdoutFraction, aucEpsilon, logLossDelta,
        newXgboost, gpu, refit, models, until, coldStart);
  }

  /** A copy that refits LR and XGBoost on the validation slice after the stack is fitted, or not. */
  public TrainConfig withRefit(boolean newRefit) {
    return new TrainConfig(label, full, replayRatio, validationFraction, holdoutFraction, aucEpsilon, logLossDelta,
        xgboost, gpu, newRefit, models, until, coldStart);
  }

  /** A copy whose learners start cold, or continue the champion where they can. */
  public TrainConfig withColdStart(boolean newColdStart) {
    return new TrainConfig(label, full, replayRatio, validationFraction, holdoutFraction, aucEpsilon, logLossDelta,
        xgboost, gpu, refit, models, until, newColdStart);
  }

  /** The parameters as stored in the registry and the ledger. */
  public Map<String, String> asParams() {
    Map<String, String> params = new HashMap<>(Map.ofEntries(Map.entry("label", label), Map.entry("full", String.valueOf(full)),
        Map.entry("replay_ratio", String.valueOf(replayRatio)),
        Map.entry("validation_fraction", String.valueOf(validationFraction)),
        Map.entry("holdout_fraction", String.valueOf(holdoutFraction)),
        Map.entry("auc_epsilon", String.valueOf(aucEpsilon)), Map.entry("log_loss_delta", String.valueOf(logLossDelta)),
        Map.entry("gpu", String.valueOf(gpu)), Map.entry("refit", String.valueOf(refit)),
        Map.entry("cold_start", String.valueOf(coldStart))));
    params.putAll(xgboost.asParams());
    until.ifPresent(bound -> params.put("until", bound.toString()));
    return Map.copyOf(params);
  }

  /**
   * The configuration {@link #asParams} stored (a registered version's params), with {@code models}.
   * Versions stored before the refit existed did not refit; those stored before {@code cold_start} existed
   * continued the champion where they could.
   *
   * @throws IllegalArgumentException when a parameter is missing or malformed
   */
  public static TrainConfig fromParams(Map<String, String> params, Path models) {
    try {
      return new TrainConfig(required(params, "label"), Boolean.parseBoolean(required(params, "full")),
          Double.parseDouble(required(params, "replay_ratio")), Double.parseDouble(required(params, "validation_fraction")),
          Double.parseDouble(required(params, "holdout_fraction")), Double.parseDouble(required(params, "auc_epsilon")),
          Double.parseDouble(required(params, "log_loss_delta")),
          XgboostSettings.fromParams(params, required(params, "rounds"), required(params, "max_depth")),
          Boolean.parseBoolean(required(params, "gpu")),
          Boolean.parseBoolean(params.getOrDefault("refit", "false")), models,
          Optional.ofNullable(params.get("until")).map(Instant::parse),
          Boolean.parseBoolean(params.getOrDefault("cold_start", "false")));
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new IllegalArgumentException("stored training parameters " + params + " are malformed: " + e.getMessage(), e);
    }
  }

  private static String required(Map<String, String> params, String key) {
    String value = params.get(key);
    if (value == null) {
      throw new IllegalArgumentException("stored training parameters lack " + key + ": " + params);
    }
    return value;
  }

  private static void requireFraction(String name, double value) {
    if (!(value >= 0 && value < 1)) {
      throw new IllegalArgumentException(name + " " + value + " must be in [0, 1)");
    }
  }
}
