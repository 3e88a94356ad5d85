package dev.flywheel.training;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The features job's settings the server needs to compute request features the way the examples were
 * computed (the bundle manifest's {@code feature_config} and {@code hash_buckets}). Training does not
 * know the features module, so these come from the parameters the features job records in the run
 * ledger ({@code prior_strength}, {@code half_lives}, {@code hash_buckets}); {@link #DEFAULT} (the
 * features job's defaults) stands in when the ledger has no successful features run, as when training
 * on examples that were not built by this installation (the trainer checks the examples' buckets
 * against the bucket count, see {@link Fm#requireBuckets}).
 *
 * @param priorStrength m of the smoothed rates
 * @param halfLivesSeconds short, mid and long half-lives of the decayed counts
 * @param hashBuckets the modulus of the examples' user_bucket and item_bucket
 */
public record BundleFeatureConfig(double priorStrength, List<Long> halfLivesSeconds, long hashBuckets) {
  /** The features job's own defaults: m = 20, half-lives 1 h, 1 d, 7 d, 2^20 hash buckets. */
  public static final BundleFeatureConfig DEFAULT = new BundleFeatureConfig(20, List.of(3600L, 86_400L, 604_800L),
      1L << 20);

  /**
   * @throws IllegalArgumentException when the prior is not positive, there are not 3 positive half-lives
   *     or the bucket count is not positive
   */
  public BundleFeatureConfig {
    halfLivesSeconds = List.copyOf(halfLivesSeconds);
    if (!(priorStrength > 0) || halfLivesSeconds.size() != 3 || halfLivesSeconds.stream().anyMatch(h -> h <= 0)
        || hashBuckets <= 0) {
      throw new IllegalArgumentException("feature config needs a positive prior strength, 3 positive half-lives"
          + " and a positive hash bucket count, got " + priorStrength + ", " + halfLivesSeconds + " and "
          + hashBuckets);
    }
  }

  /**
   * The settings in a features run's ledger parameters: {@code prior_strength} ("20.0"),
   * {@code half_lives} (a list of ISO-8601 durations, "[PT1H, PT24H, PT168H]") and {@code hash_buckets}.
   *
   * @throws IllegalArgumentException when one is missing or malformed
   */
  public static BundleFeatureConfig fromFeaturesRunParams(Map<String, String> params) {
    String prior = params.get("prior_strength");
    String halfLives = params.get("half_lives");
    String buckets = params.get("hash_buckets");
    if (prior == null || halfLives == null || buckets == null) {
      throw new IllegalArgumentException("features run parameters lack prior_strength, half_lives or hash_buckets: "
          + params);
    }
    try {
      List<Long> seconds = Arrays.stream(halfLives.replaceAll("[\\[\\] ]", "").split(","))
          .map(d -> Duration.parse(d).toSeconds()).toList();
      return new BundleFeatureConfig(Double.parseDouble(prior), seconds, Long.parseLong(buckets));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("features run parameters prior_strength=" + prior + ", half_lives="
          + halfLives + ", hash_buckets=" + buckets + " are not a number, a list of durations and a count: "
          + e.getMessage(), e);
    }
  }

  /** The manifest's {@code feature_config} object (the bucket count is the manifest's own {@code hash_buckets}). */
  Map<String, Object> asManifest() {
    return Map.of("prior_strength", priorStrength, "half_lives_seconds", halfLivesSeconds);
  }
}
