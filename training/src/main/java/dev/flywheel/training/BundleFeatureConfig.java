package dev.flywheel.training;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The features job's settings the server needs to compute request features the way the examples were
 * computed (the bundle manifest's {@code feature_config}). Training does not know the features module,
 * so these come from the parameters the features job records in the run ledger ({@code prior_strength},
 * {@code half_lives}); {@link #DEFAULT} (the features job's defaults) stands in when the ledger has no
 * successful features run, as when training on examples that were not built by this installation.
 *
 * @param priorStrength m of the smoothed rates
 * @param halfLivesSeconds short, mid and long half-lives of the decayed counts
 */
public record BundleFeatureConfig(double priorStrength, List<Long> halfLivesSeconds) {
  /** The features job's own defaults: m = 20, half-lives 1 h, 1 d, 7 d. */
  public static final BundleFeatureConfig DEFAULT = new BundleFeatureConfig(20, List.of(3600L, 86_400L, 604_800L));

  /** @throws IllegalArgumentException when the prior is not positive or there are not 3 positive half-lives */
  public BundleFeatureConfig {
    halfLivesSeconds = List.copyOf(halfLivesSeconds);
    if (!(priorStrength > 0) || halfLivesSeconds.size() != 3 || halfLivesSeconds.stream().anyMatch(h -> h <= 0)) {
      throw new IllegalArgumentException("feature config needs a positive prior strength and 3 positive half-lives,"
          + " got " + priorStrength + " and " + halfLivesSeconds);
    }
  }

  /**
   * The settings in a features run's ledger parameters: {@code prior_strength} ("20.0") and
   * {@code half_lives} (a list of ISO-8601 durations, "[PT1H, PT24H, PT168H]").
   *
   * @throws IllegalArgumentException when either is missing or malformed
   */
  public static BundleFeatureConfig fromFeaturesRunParams(Map<String, String> params) {
    String prior = params.get("prior_strength");
    String halfLives = params.get("half_lives");
    if (prior == null || halfLives == null) {
      throw new IllegalArgumentException("features run parameters lack prior_strength or half_lives: " + params);
    }
    try {
      List<Long> seconds = Arrays.stream(halfLives.replaceAll("[\\[\\] ]", "").split(","))
          .map(d -> Duration.parse(d).toSeconds()).toList();
      return new BundleFeatureConfig(Double.parseDouble(prior), seconds);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("features run parameters prior_strength=" + prior + ", half_lives="
          + halfLives + " are not a number and a list of durations: " + e.getMessage(), e);
    }
  }

  /** The manifest's {@code feature_config} object. */
  Map<String, Object> asManifest() {
    return Map.of("prior_strength", priorStrength, "half_lives_seconds", halfLivesSeconds);
  }
}
