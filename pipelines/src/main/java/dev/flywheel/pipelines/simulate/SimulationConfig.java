package dev.flywheel.pipelines.simulate;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.Optional;

/**
 * What to simulate: population sizes, traffic volume and timing, the seed, an optional preference
 * drift and the share of invalid records to inject. Two runs with equal configs emit identical
 * events (with the random ranker). Immutable.
 *
 * @param users number of users
 * @param items number of items (at least {@code candidates})
 * @param requests number of ranking requests
 * @param seed the seed of every random choice
 * @param start simulated time of the first request's day rhythm origin
 * @param requestsPerSecond mean requests per simulated second (the daily rhythm modulates it)
 * @param driftAt from this simulated time users' preferences rotate and items' biases shift; null for none
 * @param badFraction per valid event, the probability of one extra invalid record (0..1)
 * @param candidates items per request the ranker orders (drawn by popularity, as a candidate generator would)
 * @param dim latent factor dimension
 * @param searchShare share of requests from the search surface (the rest are recommendations)
 * @param rankerLogsImpressions the ranker logs the impressions (a serving endpoint does): the simulator emits
 *     only the feedback, under the request id the ranker answers with
 * @param tasteStrength how much personal taste moves affinity: it scales the users' latent factors (spread
 *     0.6 at 1), so {@code affinity = sigmoid(tasteStrength * u . v + bias)}; 0 leaves only the items' appeal
 * @param slots items shown per request: the ranker's first {@code slots} (at most {@code candidates})
 * @param positionBias the exponent of the examination probability {@code (1 + position)^-positionBias}; 0
 *     examines every position alike, larger values concentrate the clicks on the top
 */
public record SimulationConfig(int users, int items, long requests, long seed, Instant start, double requestsPerSecond,
    Instant driftAt, double badFraction, int candidates, int dim, double searchShare, boolean rankerLogsImpressions,
    double tasteStrength, int slots, double positionBias) {
  /** Latent factor dimension unless told otherwise. */
  public static final int DEFAULT_DIM = 8;
  /** Candidates per request unless told otherwise, all of them shown. */
  public static final int DEFAULT_CANDIDATES = 10;
  /** Taste strength unless told otherwise: the users' factor spread of the original world. */
  public static final double DEFAULT_TASTE_STRENGTH = 1.0;
  /** Position bias exponent unless told otherwise: examination {@code 1 / (1 + position)}. */
  public static final double DEFAULT_POSITION_BIAS = 1.0;
  /** The most candidates a request shows: the ranking server's default limit ({@code --max-candidates}). */
  public static final int MAX_CANDIDATES = 500;
  /** The latest a rating can follow its purchase; defaults keep all traffic in the past. */
  static final Duration FEEDBACK_HORIZON = Duration.ofDays(1);

  public SimulationConfig {
    Objects.requireNonNull(start, "start");
    require(users >= 1, "--users must be at least 1, got " + users);
    require(candidates >= 1 && candidates <= MAX_CANDIDATES,
        "--candidates must be within 1.." + MAX_CANDIDATES + " items per request, got " + candidates);
    require(slots >= 1 && slots <= candidates, "--slots must be within 1..--candidates (" + candidates
        + "): the page shows some of the candidates, got " + slots);
    require(items >= candidates, "--items must be at least the " + candidates + " candidates per request, got " + items);
    require(requests >= 0, "--requests must not be negative, got " + requests);
    require(requestsPerSecond > 0 && Double.isFinite(requestsPerSecond),
        "--rate must be a positive number of requests per simulated second, got " + requestsPerSecond);
    require(badFraction >= 0 && badFraction <= 1, "--bad-fraction must be within 0..1, got " + badFraction);
    require(dim >= 2 && dim % 2 == 0, "the factor dimension must be even and at least 2, got " + dim);
    require(searchShare >= 0 && searchShare <= 1, "the search share must be within 0..1, got " + searchShare);
    require(tasteStrength >= 0 && tasteStrength <= 10, "--taste-strength must be within 0..10 (1 is the default"
        + " world, 0 no personal taste), got " + tasteStrength);
    require(positionBias >= 0 && positionBias <= 5, "--position-bias must be within 0..5 (the exponent of"
        + " (1 + position)^-b; 1 is the default, 0 no position bias), got " + positionBias);
  }

  /**
   * A config with the default world: candidates (10), dimension (8), search share (0.4), taste strength
   * (1) and position bias (1), in which the simulator emits the impressions itself.
   */
  public static SimulationConfig of(int users, int items, long requests, long seed, Instant start,
      double requestsPerSecond, Instant driftAt, double badFraction) {
    return new SimulationConfig(users, items, requests, seed, start, requestsPerSecond, driftAt, badFraction,
        DEFAULT_CANDIDATES, DEFAULT_DIM, 0.4, false, DEFAULT_TASTE_STRENGTH, DEFAULT_CANDIDATES,
        DEFAULT_POSITION_BIAS);
  }

  /** This config with the impressions left to the ranker (which must log them, as the serving endpoint does). */
  public SimulationConfig withRankerLoggingImpressions() {
    return new SimulationConfig(users, items, requests, seed, start, requestsPerSecond, driftAt, badFraction,
        candidates, dim, searchShare, true, tasteStrength, slots, positionBias);
  }

  /**
   * This config in a world with {@code candidates} items ranked and the first {@code slots} shown per
   * request, the given taste strength and position bias: what sets the room a ranker has (see
   * {@link TrafficSimulator.ExpectedClicks}).
   *
   * @throws IllegalArgumentException if a value is out of its range
   */
  public SimulationConfig withRoom(int candidates, int slots, double tasteStrength, double positionBias) {
    return new SimulationConfig(users, items, requests, seed, start, requestsPerSecond, driftAt, badFraction,
        candidates, dim, searchShare, rankerLogsImpressions, tasteStrength, slots, positionBias);
  }

  /**
   * The default start: midnight UTC far enough before {@code today} that the traffic and a day of
   * late feedback (ratings) end before today, so no event lies in the future of its ingest.
   */
  public static Instant defaultStart(long requests, double requestsPerSecond, LocalDate today) {
    double span = requests / requestsPerSecond + FEEDBACK_HORIZON.toSeconds();
    long days = (long) Math.ceil(span / Duration.ofDays(1).toSeconds());
    return today.minusDays(Math.max(days, 1)).atStartOfDay().toInstant(ZoneOffset.UTC);
  }

  /** The drift time, if any. */
  public Optional<Instant> drift() {
    return Optional.ofNullable(driftAt);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
