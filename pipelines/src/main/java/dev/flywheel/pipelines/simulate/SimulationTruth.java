package dev.flywheel.pipelines.simulate;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The hidden truth of a simulation: every user's and item's latent factors, the items' biases,
 * categories, prices and popularity, and the drift. Tests and benchmarks compare what a model learned
 * with it. Serialized as JSON ({@link #write}, {@link #read}); immutable by convention (the arrays are
 * not copied).
 *
 * <p>The model: {@code affinity(u, i) = sigmoid(u.factors . i.factors + i.bias)}, with the drifted
 * factors and bias from {@code drift_at} on; a shown item is clicked with probability
 * {@code examination(position) * affinity}, {@code examination(p) = (1 + p)^-position_bias}.
 *
 * @param seed the seed of the run
 * @param dim latent factor dimension
 * @param positionBias the exponent of the examination probability
 * @param driftAt ISO-8601 time from which the drifted factors apply, or null
 * @param categories the item categories, which are also the search queries' words
 * @param users the users, indexed by the number in their id ({@code u-<n>})
 * @param items the items, indexed by the number in their id ({@code i-<n>})
 */
public record SimulationTruth(
    @JsonProperty("seed") long seed,
    @JsonProperty("dim") int dim,
    @JsonProperty("position_bias") double positionBias,
    @JsonProperty("drift_at") String driftAt,
    @JsonProperty("categories") List<String> categories,
    @JsonProperty("users") List<User> users,
    @JsonProperty("items") List<Item> items) {
  static final List<String> CATEGORY_WORDS = List.of("shoes", "jackets", "phones", "laptops", "headphones",
      "watches", "books", "toys", "kitchen", "garden", "cameras", "bags", "beauty", "sports", "games", "furniture");
  /** Items per category at least (when the catalogue is small): fixed, so the candidates do not change the world. */
  private static final int MIN_CATEGORY_SIZE = 10;
  /**
   * Users an item's appeal averages over: users are drawn alike, so the first thousand are a sample, and the
   * cost stays bounded in a large world.
   */
  private static final int APPEAL_SAMPLE = 1000;
  private static final List<String> DEVICES = List.of("mobile", "desktop", "tablet");
  private static final double[] DEVICE_WEIGHTS = {0.6, 0.3, 0.1};
  private static final List<String> COUNTRIES = List.of("DE", "US", "FR", "GB", "NL", "ES", "IT", "PL");
  private static final double[] COUNTRY_WEIGHTS = {0.25, 0.2, 0.15, 0.12, 0.08, 0.08, 0.07, 0.05};
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public SimulationTruth {
    categories = List.copyOf(categories);
    users = List.copyOf(users);
    items = List.copyOf(items);
  }

  /**
   * One user.
   *
   * @param id {@code u-<n>}
   * @param factors latent preferences before the drift
   * @param driftedFactors latent preferences from the drift on (equal to {@code factors} without drift)
   * @param device the user's device
   * @param country the user's country
   * @param activity the user's share of requests
   */
  public record User(@JsonProperty("id") String id, @JsonProperty("factors") double[] factors,
      @JsonProperty("drifted_factors") double[] driftedFactors, @JsonProperty("device") String device,
      @JsonProperty("country") String country, @JsonProperty("activity") double activity) {}

  /**
   * One item.
   *
   * @param id {@code i-<n>}
   * @param category its category word
   * @param factors latent properties
   * @param bias intrinsic appeal before the drift
   * @param driftedBias intrinsic appeal from the drift on
   * @param price the amount of a purchase
   * @param popularity the item's share of candidate draws (the long tail)
   */
  public record Item(@JsonProperty("id") String id, @JsonProperty("category") String category,
      @JsonProperty("factors") double[] factors, @JsonProperty("bias") double bias,
      @JsonProperty("drifted_bias") double driftedBias, @JsonProperty("price") double price,
      @JsonProperty("popularity") double popularity) {}

  /** The user with id {@code u-<n>}. */
  public User user(String id) {
    return users.get(indexOf(id, "u-"));
  }

  /** The item with id {@code i-<n>}. */
  public Item item(String id) {
    return items.get(indexOf(id, "i-"));
  }

  /** Whether the drift applies at {@code time}. */
  public boolean driftedAt(Instant time) {
    return driftAt != null && !time.isBefore(Instant.parse(driftAt));
  }

  /** The true probability that {@code user} likes {@code item} once seen, at {@code time}. */
  public double affinity(String user, String item, Instant time) {
    return affinity(user(user), item(item), driftedAt(time));
  }

  /** The true probability that a user examines the item at {@code position} (0-based). */
  public double examination(int position) {
    return Math.pow(1 + position, -positionBias);
  }

  /**
   * The item's mean affinity over the users (at most the first 1,000), before or after the drift: the best a
   * ranker without personal taste could know of it.
   */
  public double appeal(Item item, boolean drifted) {
    int sample = Math.min(APPEAL_SAMPLE, users.size());
    double sum = 0;
    for (int u = 0; u < sample; u++) {
      sum += affinity(users.get(u), item, drifted);
    }
    return sum / sample;
  }

  static double affinity(User user, Item item, boolean drifted) {
    double[] u = drifted ? user.driftedFactors() : user.factors();
    double[] v = item.factors();
    double dot = drifted ? item.driftedBias() : item.bias();
    for (int k = 0; k < v.length; k++) {
      dot += u[k] * v[k];
    }
    return 1 / (1 + Math.exp(-dot));
  }

  /** Writes this truth as JSON to {@code file}, creating its folder. */
  public void write(Path file) {
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      JSON.writeValue(file.toFile(), this);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the simulation truth to " + file, e);
    }
  }

  /** Reads a truth written by {@link #write}. */
  public static SimulationTruth read(Path file) {
    try {
      return JSON.readValue(file.toFile(), SimulationTruth.class);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the simulation truth " + file, e);
    }
  }

  /**
   * Draws the world of {@code config} from {@code random}: category centroids, item factors around
   * their category's centroid, biases, prices, a Zipf popularity over a random item order, users'
   * factors (spread 0.6 times the taste strength: the same draws, scaled, so a stronger taste sharpens
   * the same world), devices, countries and Zipf activity, and the drift (each user's factors rotated by 90
   * degrees in every pair of dimensions, every item's bias shifted).
   */
  static SimulationTruth generate(SimulationConfig config, RandomGenerator random) {
    int dim = config.dim();
    int categoryCount = Math.min(CATEGORY_WORDS.size(), Math.max(1, config.items() / MIN_CATEGORY_SIZE));
    double[][] centroids = new double[categoryCount][];
    for (int c = 0; c < categoryCount; c++) {
      centroids[c] = gaussian(random, dim, 0.45);
    }
    double[] popularity = zipfShares(random, config.items(), 1.05);
    List<Item> items = new ArrayList<>(config.items());
    for (int i = 0; i < config.items(); i++) {
      int category = i < categoryCount ? i : random.nextInt(categoryCount);
      double[] factors = gaussian(random, dim, 0.35);
      for (int k = 0; k < dim; k++) {
        factors[k] += centroids[category][k];
      }
      double bias = -1.5 + 0.5 * random.nextGaussian();
      double drifted = config.drift().isPresent() ? bias + 0.4 * random.nextGaussian() : bias;
      double price = Math.round(Math.exp(3 + 0.8 * random.nextGaussian()) * 100) / 100.0;
      items.add(new Item("i-" + i, CATEGORY_WORDS.get(category), factors, bias, drifted, price, popularity[i]));
    }
    double[] activity = zipfShares(random, config.users(), 0.7);
    List<User> users = new ArrayList<>(config.users());
    for (int u = 0; u < config.users(); u++) {
      double[] factors = gaussian(random, dim, 0.6 * config.tasteStrength());
      double[] drifted = config.drift().isPresent() ? rotated(factors) : factors;
      users.add(new User("u-" + u, factors, drifted, DEVICES.get(pick(random, DEVICE_WEIGHTS)),
          COUNTRIES.get(pick(random, COUNTRY_WEIGHTS)), activity[u]));
    }
    return new SimulationTruth(config.seed(), dim, config.positionBias(), config.drift().map(Instant::toString).orElse(null),
        CATEGORY_WORDS.subList(0, categoryCount), users, items);
  }

  private static int indexOf(String id, String prefix) {
    Objects.requireNonNull(id, "id");
    if (id.startsWith(prefix)) {
      try {
        return Integer.parseInt(id.substring(prefix.length()));
      } catch (NumberFormatException e) {
        // falls through to the error below
      }
    }
    throw new IllegalArgumentException("Not an id of this simulation: " + id + " (expected " + prefix + "<n>)");
  }

  private static double[] gaussian(RandomGenerator random, int dim, double sigma) {
    double[] vector = new double[dim];
    for (int k = 0; k < dim; k++) {
      vector[k] = sigma * random.nextGaussian();
    }
    return vector;
  }

  /** 90-degree rotation in each plane (0,1), (2,3), ...: the new preferences are orthogonal to the old. */
  private static double[] rotated(double[] factors) {
    double[] result = new double[factors.length];
    for (int k = 0; k + 1 < factors.length; k += 2) {
      result[k] = -factors[k + 1];
      result[k + 1] = factors[k];
    }
    return result;
  }

  /** Zipf shares {@code 1/(r+1)^s}, normalized, assigned to a random permutation of the indexes. */
  private static double[] zipfShares(RandomGenerator random, int n, double exponent) {
    int[] order = permutation(random, n);
    double[] shares = new double[n];
    double sum = 0;
    for (int r = 0; r < n; r++) {
      shares[order[r]] = 1 / Math.pow(r + 1, exponent);
      sum += shares[order[r]];
    }
    for (int i = 0; i < n; i++) {
      shares[i] /= sum;
    }
    return shares;
  }

  static int[] permutation(RandomGenerator random, int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order;
  }

  private static int pick(RandomGenerator random, double[] weights) {
    double x = random.nextDouble();
    for (int i = 0; i < weights.length - 1; i++) {
      x -= weights[i];
      if (x < 0) {
        return i;
      }
    }
    return weights.length - 1;
  }
}
