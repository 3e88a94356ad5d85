package dev.flywheel.serving.online;

import dev.flywheel.serving.model.InvalidBundleException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Builds a model bundle's raw feature vectors from the online snapshot, exactly as the features job
 * builds a training example for an impression at time t ({@code TrainingExamples.entityFeatures} over
 * {@code PointInTimeFeatures.beforeEach}): counts as stored; {@code decayed_x(t) = stored * 2^(-(t -
 * last_event_time) / half_life)} in whole seconds; {@code ctr = (clicks + m g_ctr) / (impressions + m)}
 * with the global rates of the snapshot; likewise {@code positive_rate}; {@code decayed_positive_rate_x =
 * (decayed_positive_ratings_x(t) + m positive_rate) / (decayed_ratings_x(t) + m)}; likewise {@code
 * decayed_ctr_x} of decayed clicks over decayed impressions towards {@code ctr}; {@code avg_rating} and
 * {@code avg_dwell} null without ratings or dwells; {@code last_rating} as stored (null before the first); {@code seconds_since_last = t - last_event_time}.
 * {@code qi_} features are null without a query; {@code position} is 0 for every candidate (the
 * documented choice for position-debiased ranking) and {@code hour_of_day} the UTC hour of t.
 *
 * <p>A null feature is {@link Double#NaN} in the raw vector (the bundle replaces it with its missing
 * value before normalizing). Feature names are resolved once, when the bundle is loaded. Immutable and
 * thread-safe.
 */
public final class OnlineFeatures {
  private static final List<String> ENTITY_PREFIXES = List.of("u_", "i_", "qi_");
  private static final int POSITION = -1;
  private static final int HOUR_OF_DAY = -2;
  private static final int GLOBAL_CTR = -3;
  private static final int GLOBAL_POSITIVE_RATE = -4;
  private static final int USER = 0;
  private static final int ITEM = 1;
  private static final int QUERY_ITEM = 2;

  private final List<String> features;
  private final int[] source;
  private final EntityFeature[] statistic;
  private final int[] itemFeatures;
  private final int[] queryItemFeatures;
  private final double priorStrength;
  private final double[] halfLivesSeconds;

  private OnlineFeatures(List<String> features, int[] source, EntityFeature[] statistic, double priorStrength,
      double[] halfLivesSeconds) {
    this.features = features;
    this.source = source;
    this.statistic = statistic;
    this.itemFeatures = positionsOf(source, ITEM);
    this.queryItemFeatures = positionsOf(source, QUERY_ITEM);
    this.priorStrength = priorStrength;
    this.halfLivesSeconds = halfLivesSeconds;
  }

  /**
   * The vector builder of a bundle's {@code features} (in vector order) under its feature config.
   *
   * @param priorStrength m of the smoothed rates
   * @param halfLivesSeconds the short, mid and long half-lives of the decayed counts, in seconds
   * @throws InvalidBundleException if a feature name is not one serving can compute, or the config is not
   *     a positive prior strength and three positive half-lives
   */
  public static OnlineFeatures compile(List<String> features, double priorStrength, double[] halfLivesSeconds) {
    Objects.requireNonNull(features, "features");
    if (!(priorStrength > 0) || halfLivesSeconds.length != EntityState.HALF_LIFE_NAMES.length
        || Arrays.stream(halfLivesSeconds).anyMatch(h -> !(h > 0))) {
      throw new InvalidBundleException("The bundle's feature_config must have a positive prior_strength and three"
          + " positive half_lives_seconds, got prior_strength " + priorStrength + " and half_lives_seconds "
          + Arrays.toString(halfLivesSeconds));
    }
    int[] source = new int[features.size()];
    EntityFeature[] statistic = new EntityFeature[features.size()];
    List<String> unknown = new ArrayList<>();
    for (int i = 0; i < features.size(); i++) {
      String name = features.get(i);
      switch (name) {
        case "position" -> source[i] = POSITION;
        case "hour_of_day" -> source[i] = HOUR_OF_DAY;
        case "g_ctr" -> source[i] = GLOBAL_CTR;
        case "g_positive_rate" -> source[i] = GLOBAL_POSITIVE_RATE;
        default -> {
          int entity = entityOf(name);
          EntityFeature stat = entity < 0 ? null
              : EntityFeature.named(name.substring(ENTITY_PREFIXES.get(entity).length()));
          if (stat == null) {
            unknown.add(name);
          }
          source[i] = entity;
          statistic[i] = stat;
        }
      }
    }
    if (!unknown.isEmpty()) {
      throw new InvalidBundleException("Serving cannot compute the bundle's features " + unknown + "; it computes"
          + " position, hour_of_day, g_ctr, g_positive_rate and u_/i_/qi_ + one of " + EntityFeature.names()
          + ". Retrain with the current feature spec or upgrade serving.");
    }
    return new OnlineFeatures(List.copyOf(features), source, statistic, priorStrength, halfLivesSeconds.clone());
  }

  private static int[] positionsOf(int[] source, int entity) {
    return IntStream.range(0, source.length).filter(f -> source[f] == entity).toArray();
  }

  private static int entityOf(String name) {
    for (int entity = 0; entity < ENTITY_PREFIXES.size(); entity++) {
      if (name.startsWith(ENTITY_PREFIXES.get(entity))) {
        return entity;
      }
    }
    return -1;
  }

  /** The feature names, in vector order. */
  public List<String> features() {
    return features;
  }

  /**
   * One raw vector per item of {@code items}, for {@code userId} asking at {@code time}, with
   * {@code query} (null off search).
   */
  public double[][] rows(FeatureSnapshot snapshot, Instant time, String userId, String query, List<String> items) {
    EntityState global = snapshot.global();
    double globalCtr = global.impressions() > 0 ? (double) global.clicks() / global.impressions() : 0.0;
    double globalPositiveRate = global.ratings() > 0 ? (double) global.positiveRatings() / global.ratings() : 0.5;
    Prior prior = new Prior(time.getEpochSecond(), globalCtr, globalPositiveRate, priorStrength, halfLivesSeconds);
    // What every candidate shares (context, global rates, the user, the query-item nulls off search) is
    // computed once; per candidate only its item and query-item features.
    double[] shared = new double[features.size()];
    Valued user = Valued.of(snapshot.user(userId), prior);
    double hour = time.atOffset(ZoneOffset.UTC).getHour();
    for (int f = 0; f < shared.length; f++) {
      shared[f] = switch (source[f]) {
        case POSITION -> 0.0;
        case HOUR_OF_DAY -> hour;
        case GLOBAL_CTR -> globalCtr;
        case GLOBAL_POSITIVE_RATE -> globalPositiveRate;
        case USER -> statistic[f].of(user);
        default -> Double.NaN;
      };
    }
    double[][] rows = new double[items.size()][];
    for (int r = 0; r < rows.length; r++) {
      String itemId = items.get(r);
      double[] row = shared.clone();
      fill(row, itemFeatures, Valued.of(snapshot.item(itemId), prior));
      if (query != null) {
        fill(row, queryItemFeatures, Valued.of(snapshot.queryItem(query, itemId), prior));
      }
      rows[r] = row;
    }
    return rows;
  }

  private void fill(double[] row, int[] positions, Valued entity) {
    for (int position : positions) {
      row[position] = statistic[position].of(entity);
    }
  }

  /** What every entity feature at one request time shares: t, the global rates and the feature config. */
  record Prior(long seconds, double ctr, double positiveRate, double strength, double[] halfLivesSeconds) {}

  /**
   * One entity's state at the request time, with its three decay factors {@code 2^(-(t - last) / half_life)}
   * computed once for all its decayed features (none without a last event: those features are then 0).
   */
  record Valued(EntityState state, Prior prior, double[] decay) {
    static Valued of(EntityState state, Prior prior) {
      double[] decay = new double[prior.halfLivesSeconds().length];
      if (state.lastEventTime() != null) {
        double age = prior.seconds() - state.lastEventTime().getEpochSecond();
        for (int h = 0; h < decay.length; h++) {
          decay[h] = Math.pow(2.0, -age / prior.halfLivesSeconds()[h]);
        }
      }
      return new Valued(state, prior, decay);
    }

    /** A stored decayed count valued at t; 0 without a last event (the training side's coalesce). */
    double decayed(double[] stored, int halfLife) {
      return state.lastEventTime() == null ? 0.0 : stored[halfLife] * decay[halfLife];
    }
  }

  /** The per-entity example features, named as in the training examples after the entity prefix. */
  enum EntityFeature {
    IMPRESSIONS(v -> v.state().impressions()),
    CLICKS(v -> v.state().clicks()),
    PURCHASES(v -> v.state().purchases()),
    RATINGS(v -> v.state().ratings()),
    CTR(v -> (v.state().clicks() + v.prior().strength() * v.prior().ctr())
        / (v.state().impressions() + v.prior().strength())),
    POSITIVE_RATE(v -> (v.state().positiveRatings() + v.prior().strength() * v.prior().positiveRate())
        / (v.state().ratings() + v.prior().strength())),
    AVG_RATING(v -> v.state().ratings() > 0 ? v.state().ratingSum() / v.state().ratings() : Double.NaN),
    AVG_DWELL(v -> v.state().dwells() > 0 ? v.state().dwellSum() / v.state().dwells() : Double.NaN),
    DECAYED_IMPRESSIONS_SHORT(v -> v.decayed(v.state().decayedImpressions(), 0)),
    DECAYED_IMPRESSIONS_MID(v -> v.decayed(v.state().decayedImpressions(), 1)),
    DECAYED_IMPRESSIONS_LONG(v -> v.decayed(v.state().decayedImpressions(), 2)),
    DECAYED_CLICKS_SHORT(v -> v.decayed(v.state().decayedClicks(), 0)),
    DECAYED_CLICKS_MID(v -> v.decayed(v.state().decayedClicks(), 1)),
    DECAYED_CLICKS_LONG(v -> v.decayed(v.state().decayedClicks(), 2)),
    DECAYED_POSITIVE_RATE_SHORT(v -> decayedPositiveRate(v, 0)),
    DECAYED_POSITIVE_RATE_MID(v -> decayedPositiveRate(v, 1)),
    DECAYED_POSITIVE_RATE_LONG(v -> decayedPositiveRate(v, 2)),
    DECAYED_CTR_SHORT(v -> decayedCtr(v, 0)),
    DECAYED_CTR_MID(v -> decayedCtr(v, 1)),
    DECAYED_CTR_LONG(v -> decayedCtr(v, 2)),
    LAST_RATING(v -> v.state().lastRating()),
    SECONDS_SINCE_LAST(v -> v.state().lastEventTime() == null ? Double.NaN
        : v.prior().seconds() - v.state().lastEventTime().getEpochSecond());

    /** A feature's raw value for an entity at the request, NaN for null. */
    private interface Value {
      double of(Valued entity);
    }

    private final Value value;

    EntityFeature(Value value) {
      this.value = value;
    }

    /** The feature's raw value for {@code entity} at the request, NaN for null. */
    double of(Valued entity) {
      return value.of(entity);
    }

    /** The recent positive rate shrunk towards the whole-history one: the training side's withDecayedRates. */
    private static double decayedPositiveRate(Valued v, int halfLife) {
      return (v.decayed(v.state().decayedPositiveRatings(), halfLife) + v.prior().strength() * POSITIVE_RATE.of(v))
          / (v.decayed(v.state().decayedRatings(), halfLife) + v.prior().strength());
    }

    /** The recent CTR shrunk towards the whole-history one: the training side's withDecayedRates. */
    private static double decayedCtr(Valued v, int halfLife) {
      return (v.decayed(v.state().decayedClicks(), halfLife) + v.prior().strength() * CTR.of(v))
          / (v.decayed(v.state().decayedImpressions(), halfLife) + v.prior().strength());
    }

    static EntityFeature named(String name) {
      for (EntityFeature feature : values()) {
        if (feature.featureName().equals(name)) {
          return feature;
        }
      }
      return null;
    }

    static List<String> names() {
      return Arrays.stream(values()).map(EntityFeature::featureName).toList();
    }

    String featureName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
