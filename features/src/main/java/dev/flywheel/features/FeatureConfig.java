package dev.flywheel.features;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The settings of the features job, validated once at the edge. Immutable.
 *
 * @param clickWindow a click counts when it comes at most this long after its impression
 * @param purchaseWindow a purchase (and a rating or dwell event) counts when it comes at most this long after
 * @param allowedLateness event-time lateness: an impression (feedback) that lands in bronze when the event-time
 *     watermark (the latest event time of earlier bronze commits) is past its time (its impression's time plus
 *     its window) by more than this is too late and does not count; the gold frontier waits as long
 * @param sessionGap a user's session ends after this much inactivity
 * @param halfLives the short, mid and long half-lives of the decayed counts
 * @param priorStrength m of the smoothed rates (rate = (hits + m * global rate) / (trials + m))
 * @param hashBuckets modulus of the hashed user and item ids
 */
public record FeatureConfig(
    Duration clickWindow,
    Duration purchaseWindow,
    Duration allowedLateness,
    Duration sessionGap,
    List<Duration> halfLives,
    double priorStrength,
    int hashBuckets) {

  /** Decayed-count columns carry this suffix per half-life, in order. */
  public static final List<String> HALF_LIFE_NAMES = List.of("short", "mid", "long");

  /**
   * @throws IllegalArgumentException when a window, the lateness or the gap is negative or zero, there are
   *     not exactly three positive half-lives, or the prior strength or bucket count is not positive
   */
  public FeatureConfig {
    positive(clickWindow, "click window");
    positive(purchaseWindow, "purchase window");
    Objects.requireNonNull(allowedLateness, "allowed lateness");
    if (allowedLateness.isNegative()) {
      throw new IllegalArgumentException("allowed lateness must not be negative, got " + allowedLateness);
    }
    positive(sessionGap, "session gap");
    halfLives = List.copyOf(halfLives);
    if (halfLives.size() != HALF_LIFE_NAMES.size()) {
      throw new IllegalArgumentException("need exactly 3 half-lives (short, mid, long), got " + halfLives);
    }
    halfLives.forEach(h -> positive(h, "half-life"));
    if (!(priorStrength > 0)) {
      throw new IllegalArgumentException("prior strength must be positive, got " + priorStrength);
    }
    if (hashBuckets <= 0) {
      throw new IllegalArgumentException("hash buckets must be positive, got " + hashBuckets);
    }
  }

  /** Click 30 min, purchase 24 h, lateness 6 h, session gap 30 min, half-lives 1 h / 1 d / 7 d, m = 20, 2^20 buckets. */
  public static FeatureConfig defaults() {
    return new FeatureConfig(Duration.ofMinutes(30), Duration.ofHours(24), Duration.ofHours(6),
        Duration.ofMinutes(30), List.of(Duration.ofHours(1), Duration.ofDays(1), Duration.ofDays(7)), 20, 1 << 20);
  }

  /** A copy with other short, mid and long half-lives. */
  public FeatureConfig withHalfLives(List<Duration> newHalfLives) {
    return new FeatureConfig(clickWindow, purchaseWindow, allowedLateness, sessionGap, newHalfLives, priorStrength,
        hashBuckets);
  }

  /** The longest attribution window: labels are final this long (plus the lateness) after an impression. */
  public Duration longestWindow() {
    return clickWindow.compareTo(purchaseWindow) >= 0 ? clickWindow : purchaseWindow;
  }

  /** How far the settled frontier trails the event-time watermark (the latest event time in bronze). */
  public Duration settleDelay() {
    return longestWindow().plus(allowedLateness);
  }

  /** The settings as ledger parameters. */
  public Map<String, String> params() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("click_window", clickWindow.toString());
    params.put("purchase_window", purchaseWindow.toString());
    params.put("allowed_lateness", allowedLateness.toString());
    params.put("session_gap", sessionGap.toString());
    params.put("half_lives", halfLives.toString());
    params.put("prior_strength", Double.toString(priorStrength));
    params.put("hash_buckets", Integer.toString(hashBuckets));
    return params;
  }

  private static void positive(Duration duration, String what) {
    Objects.requireNonNull(duration, what);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + duration);
    }
  }
}
