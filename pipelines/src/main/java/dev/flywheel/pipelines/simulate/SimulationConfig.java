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
 * @param candidates items shown per request
 * @param dim latent factor dimension
 * @param searchShare share of requests from the search surface (the rest are recommendations)
 * @param rankerLogsImpressions the ranker logs the impressions (a serving endpoint does): the simulator emits
 *     only the feedback, under the request id the ranker answers with
 */
public record SimulationConfig(int users, int items, long requests, long seed, Instant start, double requestsPerSecond,
    Instant driftAt, double badFraction, int candidates, int dim, double searchShare, boolean rankerLogsImpressions) {
  /** Latent factor dimension unless told otherwise. */
  public static final int DEFAULT_DIM = 8;
  /** Items shown per request unless told otherwise. */
  public static final int DEFAULT_CANDIDATES = 10;
  /** The latest a rating can follow its purchase; defaults keep all traffic in the past. */
  static final Duration FEEDBACK_HORIZON = Duration.ofDays(1);

  public SimulationConfig {
    Objects.requireNonNull(start, "start");
    require(users >= 1, "--users must be at least 1, got " + users);
    require(candidates >= 1, "at least one candidate per request is needed, got " + candidates);
    require(items >= candidates, "--items must be at least the " + candidates + " candidates per request, got " + items);
    require(requests >= 0, "--requests must not be negative, got " + requests);
    require(requestsPerSecond > 0 && Double.isFinite(requestsPerSecond),
        "--rate must be a positive number of requests per simulated second, got " + requestsPerSecond);
    require(badFraction >= 0 && badFraction <= 1, "--bad-fraction must be within 0..1, got " + badFraction);
    require(dim >= 2 && dim % 2 == 0, "the factor dimension must be even and at least 2, got " + dim);
    require(searchShare >= 0 && searchShare <= 1, "the search share must be within 0..1, got " + searchShare);
  }

  /**
   * A config with the default candidates (10), dimension (8) and search share (0.4), in which the
   * simulator emits the impressions itself.
   */
  public static SimulationConfig of(int users, int items, long requests, long seed, Instant start,
      double requestsPerSecond, Instant driftAt, double badFraction) {
    return new SimulationConfig(users, items, requests, seed, start, requestsPerSecond, driftAt, badFraction,
        DEFAULT_CANDIDATES, DEFAULT_DIM, 0.4, false);
  }

  /** This config with the impressions left to the ranker (which must log them, as the serving endpoint does). */
  public SimulationConfig withRankerLoggingImpressions() {
    return new SimulationConfig(users, items, requests, seed, start, requestsPerSecond, driftAt, badFraction,
        candidates, dim, searchShare, true);
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
