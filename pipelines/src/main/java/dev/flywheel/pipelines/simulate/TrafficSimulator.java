package dev.flywheel.pipelines.simulate;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * Simulates e-commerce search and recommendation traffic and the feedback it draws, from a hidden
 * world of users and items with latent factors ({@link SimulationTruth}). Pure Java, no Spark.
 *
 * <p>Per request: a user (Zipf activity) arrives at a time that follows a daily rhythm; a search
 * (with a category word as query, chosen by the user's taste) or a recommendation draws
 * {@code candidates} distinct items by long-tail popularity; the {@link Ranker} orders them; the first
 * {@code slots} are shown, each an impression at its position, clicked with probability
 * {@code examination(position) * affinity}; a click is followed by a dwell (longer with affinity), and
 * with probabilities rising with affinity by add_to_cart, purchase and a rating (1..5, following
 * affinity). When the ranker logs the impressions itself (a serving endpoint, see
 * {@link SimulationConfig#rankerLogsImpressions()}), the simulator emits only the feedback, under the
 * request id the ranker answered with. Every random choice comes from the seed, in separate streams
 * for the world, the traffic, the random ranker and the invalid records, so the traffic does not
 * change when only the share of invalid records does. Not thread-safe; one instance per run.
 */
public final class TrafficSimulator {
  private static final double PEAK_HOUR = 20;
  private static final double RHYTHM = 0.6;
  private static final List<String> QUERY_FORMS = List.of("%s", "%s", "%s", "cheap %s", "best %s", "%s sale",
      "new %s");

  private final SimulationConfig config;
  private final SimulationTruth truth;
  private final SplittableRandom traffic;
  private final SplittableRandom bad;
  private final SplittableRandom ranking;
  private final Categorical userDraw;
  private final Categorical itemDraw;
  private final Map<String, Categorical> itemDrawByCategory = new LinkedHashMap<>();
  private final double[][] centroids;
  private final String runTag;
  private long eventCount;
  private long badCount;
  private ExpectedClicks expected = ExpectedClicks.NONE;
  /** Per item and drift state, its mean affinity over the users (NaN until first needed); see {@link #appeal}. */
  private final double[][] appeal;

  /**
   * A simulator of {@code config}: draws the hidden world from the seed.
   */
  public TrafficSimulator(SimulationConfig config) {
    this.config = config;
    SplittableRandom root = new SplittableRandom(config.seed());
    this.truth = SimulationTruth.generate(config, root.split());
    this.traffic = root.split();
    this.ranking = root.split();
    this.bad = root.split();
    this.runTag = runTag(config);
    this.appeal = new double[2][config.items()];
    Arrays.fill(appeal[0], Double.NaN);
    Arrays.fill(appeal[1], Double.NaN);
    int[] userIds = range(config.users());
    double[] activity = truth.users().stream().mapToDouble(SimulationTruth.User::activity).toArray();
    this.userDraw = Categorical.of(userIds, activity);
    double[] popularity = truth.items().stream().mapToDouble(SimulationTruth.Item::popularity).toArray();
    this.itemDraw = Categorical.of(range(config.items()), popularity);
    this.centroids = new double[truth.categories().size()][config.dim()];
    int[] counts = new int[centroids.length];
    for (String category : truth.categories()) {
      List<Integer> members = new ArrayList<>();
      for (int i = 0; i < config.items(); i++) {
        if (truth.items().get(i).category().equals(category)) {
          members.add(i);
        }
      }
      int c = truth.categories().indexOf(category);
      int[] ids = members.stream().mapToInt(Integer::intValue).toArray();
      double[] weights = new double[ids.length];
      for (int m = 0; m < ids.length; m++) {
        weights[m] = popularity[ids[m]];
        double[] factors = truth.items().get(ids[m]).factors();
        for (int k = 0; k < factors.length; k++) {
          centroids[c][k] += factors[k];
        }
        counts[c]++;
      }
      for (int k = 0; k < config.dim(); k++) {
        centroids[c][k] /= Math.max(1, counts[c]);
      }
      itemDrawByCategory.put(category, Categorical.of(ids, weights));
    }
  }

  /** The random ranker of this run: deterministic for the seed, independent of the traffic's stream. */
  public Ranker randomRanker() {
    return new RandomRanker(ranking);
  }

  /** The hidden world of this run. */
  public SimulationTruth truth() {
    return truth;
  }

  /**
   * What a run emitted.
   *
   * @param requests ranking requests
   * @param events valid events, by type
   * @param invalid injected invalid records
   * @param firstRequest simulated time of the first request
   * @param lastEvent simulated time of the latest event
   * @param elapsed wall-clock time of the run
   */
  public record Summary(long requests, Map<String, Long> events, long invalid, Instant firstRequest,
      Instant lastEvent, Duration elapsed, ExpectedClicks expected) {
    public Summary {
      events = Collections.unmodifiableMap(new LinkedHashMap<>(events));
    }

    /** Valid events of every type. */
    public long total() {
      return events.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Records (valid and invalid) per wall-clock second. */
    public double perSecond() {
      return (total() + invalid) / Math.max(elapsed.toNanos() / 1e9, 1e-9);
    }
  }

  /**
   * Clicks the hidden truth expects (examination x affinity, summed over the shown positions) for the
   * rankings shown, and for the same requests ranked otherwise: at random (in expectation), by the items'
   * appeal (their mean affinity over the users: the best a ranker without personal taste could know,
   * short of the query) and by the truth itself: the oracle, the ceiling of any learned ranker on this
   * traffic. Random, appeal and oracle show as many items as were shown, chosen from all the request's
   * candidates. Expectations, not draws, so they compare rankers without the noise of the clicks.
   * Immutable.
   *
   * @param impressions items shown
   * @param served expected clicks of the rankings shown
   * @param random expected clicks of a random choice and order of the candidates
   * @param appeal expected clicks of the candidates with the highest mean affinity over the users, in that order
   * @param oracle expected clicks of the candidates with the highest true affinity, in that order
   */
  public record ExpectedClicks(long impressions, double served, double random, double appeal, double oracle) {
    /** Nothing shown yet. */
    static final ExpectedClicks NONE = new ExpectedClicks(0, 0, 0, 0, 0);

    ExpectedClicks plus(ExpectedClicks other) {
      return new ExpectedClicks(impressions + other.impressions, served + other.served, random + other.random,
          appeal + other.appeal, oracle + other.oracle);
    }

    /** The expected CTR of the rankings shown. */
    public double servedCtr() {
      return served / Math.max(impressions, 1);
    }

    /** The expected CTR of random ranking. */
    public double randomCtr() {
      return random / Math.max(impressions, 1);
    }

    /** The expected CTR of ranking by the items' appeal, without personal taste. */
    public double appealCtr() {
      return appeal / Math.max(impressions, 1);
    }

    /** The expected CTR of the oracle. */
    public double oracleCtr() {
      return oracle / Math.max(impressions, 1);
    }

    /** Served over random: the lift of the rankings shown. */
    public double servedLift() {
      return served / random;
    }

    /** Oracle over random: the lift that exists, the ceiling of {@link #servedLift}. */
    public double oracleLift() {
      return oracle / random;
    }

    /** Served over oracle: how much of the best possible the rankings shown reach (random: {@code 1 / oracleLift}). */
    public double servedOfOracle() {
      return served / oracle;
    }

    /** The share of the lift that exists which the rankings shown take: 0 for random order, 1 for the oracle. */
    public double liftCaptured() {
      return (served - random) / (oracle - random);
    }

    /** Two lines for a person: the four CTRs, then the lifts over random and the share of the oracle. */
    public String describe() {
      return String.format(Locale.ROOT, "expected CTR under the hidden truth: served %.4f, random %.4f, item appeal"
              + " %.4f, oracle %.4f%n   served %.2fx random and %.0f %% of the oracle (the oracle, the ceiling of"
              + " any ranker, %.2fx random; ranking by item appeal, without personal taste, %.2fx): %.0f %% of the"
              + " lift that exists taken", servedCtr(), randomCtr(), appealCtr(), oracleCtr(), servedLift(),
          100 * servedOfOracle(), oracleLift(), appeal / random, 100 * liftCaptured());
    }
  }

  /**
   * Runs the simulation: asks {@code ranker} for every request's order and writes every record to
   * {@code sink} (which the caller closes) in the order of the records' event times, as they would arrive.
   *
   * @throws SimulationException if the ranker fails
   */
  public Summary run(Ranker ranker, EventSink sink) {
    long began = System.nanoTime();
    Map<String, Long> counts = new LinkedHashMap<>();
    for (String type : List.of("impression", "click", "dwell", "add_to_cart", "purchase", "rating")) {
      counts.put(type, 0L);
    }
    Instant time = config.start();
    Instant first = null;
    Instant last = config.start();
    List<SimulatedEvent> events = new ArrayList<>();
    PriorityQueue<Pending> pending = new PriorityQueue<>();
    long sequence = 0;
    for (long r = 0; r < config.requests(); r++) {
      time = nextArrival(time);
      first = first == null ? time.truncatedTo(ChronoUnit.MILLIS) : first;
      events.clear();
      request(r, time, ranker, events);
      for (SimulatedEvent event : events) {
        counts.merge(event.eventType(), 1L, Long::sum);
        last = event.eventTime().isAfter(last) ? event.eventTime() : last;
        pending.add(new Pending(event.eventTime(), sequence++, event.userId(), event.toJson()));
        if (config.badFraction() > 0 && bad.nextDouble() < config.badFraction()) {
          badCount++;
          pending.add(new Pending(event.eventTime(), sequence++, event.userId(), invalid(event)));
        }
      }
      emitUntil(time, pending, sink);
    }
    emitUntil(Instant.MAX, pending, sink);
    return new Summary(config.requests(), counts, badCount, first, last,
        Duration.ofNanos(System.nanoTime() - began), expected);
  }

  /**
   * A record held back until the simulated clock reaches its time: feedback comes seconds to a day
   * after its request, and a stream (Kafka, or a file split by position) must see the world as it
   * happened, not a rating before the requests of the hours in between. Ties keep the order of creation.
   */
  private record Pending(Instant time, long sequence, String key, String json) implements Comparable<Pending> {
    @Override
    public int compareTo(Pending other) {
      int byTime = time.compareTo(other.time);
      return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
    }
  }

  /** Writes, in time order, every held record not later than {@code clock}. */
  private static void emitUntil(Instant clock, PriorityQueue<Pending> pending, EventSink sink) {
    while (!pending.isEmpty() && !pending.peek().time().isAfter(clock)) {
      Pending next = pending.poll();
      sink.accept(next.key(), next.json());
    }
  }

  private void request(long number, Instant time, Ranker ranker, List<SimulatedEvent> out) {
    int user = userDraw.draw(traffic);
    SimulationTruth.User who = truth.users().get(user);
    boolean drifted = truth.driftedAt(time);
    boolean search = traffic.nextDouble() < config.searchShare();
    String category = search ? preferredCategory(drifted ? who.driftedFactors() : who.factors()) : null;
    String query = search ? String.format(QUERY_FORMS.get(traffic.nextInt(QUERY_FORMS.size())), category) : null;
    String surface = search ? "search" : "recommendation";
    List<String> candidates = candidates(category);
    String requestId = "r-" + runTag + "-" + number;
    Map<String, String> requestContext = Map.of("device", who.device(), "country", who.country());
    Ranker.Ranking ranked = ranker.rank(new Ranker.Request(requestId, who.id(), surface, query, requestContext,
        candidates, time));
    String shownFor = ranked.requestId();
    List<String> shownItems = ranked.items().subList(0, Math.min(config.slots(), ranked.items().size()));
    expected = expected.plus(expectedClicks(who, candidates, shownItems, drifted));
    List<SimulatedEvent> feedback = new ArrayList<>();
    for (int position = 0; position < shownItems.size(); position++) {
      String itemId = shownItems.get(position);
      SimulationTruth.Item item = truth.item(itemId);
      Map<String, String> context = new LinkedHashMap<>();
      context.put("device", who.device());
      context.put("country", who.country());
      context.put("item_category", item.category());
      Instant shown = time.plusMillis(position);
      if (!config.rankerLogsImpressions()) {
        out.add(new SimulatedEvent(nextId(), "impression", shown, who.id(), itemId, shownFor, surface, query,
            position, ranked.modelVersion(), null, context));
      }
      double affinity = SimulationTruth.affinity(who, item, drifted);
      if (traffic.nextDouble() >= truth.examination(position) * affinity) {
        continue;
      }
      Instant clicked = shown.plus(seconds(2 + exponential(8)));
      feedback.add(event("click", clicked, who, itemId, shownFor, surface, query, null, context));
      double dwell = Math.round((5 + 150 * affinity * Math.exp(0.5 * traffic.nextGaussian())) * 10) / 10.0;
      feedback.add(event("dwell", clicked.plus(seconds(dwell)), who, itemId, shownFor, surface, query, dwell,
          context));
      if (traffic.nextDouble() >= 0.4 * affinity) {
        continue;
      }
      Instant carted = clicked.plus(seconds(dwell * traffic.nextDouble()));
      feedback.add(event("add_to_cart", carted, who, itemId, shownFor, surface, query, null, context));
      if (traffic.nextDouble() >= 0.3 + 0.6 * affinity) {
        continue;
      }
      Instant bought = carted.plus(seconds(30 + exponential(300)));
      feedback.add(event("purchase", bought, who, itemId, shownFor, surface, query, item.price(), context));
      if (traffic.nextDouble() < 0.5) {
        double rating = Math.max(1, Math.min(5, Math.round(1 + 4 * affinity + 0.7 * traffic.nextGaussian())));
        double delay = Math.min(exponential(3 * 3600), SimulationConfig.FEEDBACK_HORIZON.toSeconds() - 3600);
        feedback.add(event("rating", bought.plus(seconds(60 + delay)), who, itemId, shownFor, surface, query, rating,
            context));
      }
    }
    out.addAll(feedback);
  }

  /**
   * The expected clicks of {@code shown} (the ranker's first slots), and of as many of the candidates
   * chosen at random, by appeal and by true affinity.
   */
  private ExpectedClicks expectedClicks(SimulationTruth.User who, List<String> candidates, List<String> shown,
      boolean drifted) {
    double[] served = affinities(who, shown, drifted);
    double[] affinities = affinities(who, candidates, drifted);
    double[] best = affinities.clone();
    Arrays.sort(best);
    Integer[] byAppeal = new Integer[candidates.size()];
    double[] appeals = candidates.stream().mapToDouble(item -> appeal(item, drifted)).toArray();
    for (int c = 0; c < byAppeal.length; c++) {
      byAppeal[c] = c;
    }
    Arrays.sort(byAppeal, (a, b) -> Double.compare(appeals[b], appeals[a]));
    double servedClicks = 0;
    double examined = 0;
    double appealClicks = 0;
    double oracle = 0;
    for (int position = 0; position < served.length; position++) {
      double examination = truth.examination(position);
      servedClicks += examination * served[position];
      appealClicks += examination * affinities[byAppeal[position]];
      oracle += examination * best[best.length - 1 - position];
      examined += examination;
    }
    double random = examined * Arrays.stream(affinities).average().orElse(0);
    return new ExpectedClicks(served.length, servedClicks, random, appealClicks, oracle);
  }

  /** {@link SimulationTruth#appeal}, computed once per item and drift state. */
  private double appeal(String itemId, boolean drifted) {
    SimulationTruth.Item item = truth.item(itemId);
    int index = Integer.parseInt(itemId.substring(2));
    double[] cache = appeal[drifted ? 1 : 0];
    if (Double.isNaN(cache[index])) {
      cache[index] = truth.appeal(item, drifted);
    }
    return cache[index];
  }

  private double[] affinities(SimulationTruth.User who, List<String> items, boolean drifted) {
    return items.stream().mapToDouble(item -> SimulationTruth.affinity(who, truth.item(item), drifted)).toArray();
  }

  private SimulatedEvent event(String type, Instant time, SimulationTruth.User who, String itemId, String requestId,
      String surface, String query, Double value, Map<String, String> context) {
    return new SimulatedEvent(nextId(), type, time, who.id(), itemId, requestId, surface, query, null, null, value,
        context);
  }

  /** The category a user searches: softmax of taste towards each category's centroid. */
  private String preferredCategory(double[] factors) {
    double[] weights = new double[centroids.length];
    for (int c = 0; c < centroids.length; c++) {
      double dot = 0;
      for (int k = 0; k < factors.length; k++) {
        dot += factors[k] * centroids[c][k];
      }
      weights[c] = Math.exp(3 * dot);
    }
    return truth.categories().get(Categorical.of(range(centroids.length), weights).draw(traffic));
  }

  /** Distinct items by popularity, from {@code category} first when it is a search. */
  private List<String> candidates(String category) {
    Set<Integer> chosen = new HashSet<>();
    List<String> ids = new ArrayList<>(config.candidates());
    if (category != null) {
      draw(itemDrawByCategory.get(category), Math.min(config.candidates(), itemDrawByCategory.get(category).size()),
          chosen, ids);
    }
    draw(itemDraw, config.candidates(), chosen, ids);
    return ids;
  }

  private void draw(Categorical from, int wanted, Set<Integer> chosen, List<String> ids) {
    int tries = 0;
    while (ids.size() < wanted && tries++ < 50 * wanted) {
      int item = from.draw(traffic);
      if (chosen.add(item)) {
        ids.add("i-" + item);
      }
    }
    for (int item = 0; ids.size() < wanted && item < config.items(); item++) {
      if (chosen.add(item)) {
        ids.add("i-" + item);
      }
    }
  }

  /** The next arrival of a Poisson process whose rate follows the time of day (peak at 20:00 UTC). */
  private Instant nextArrival(Instant time) {
    double hour = (time.getEpochSecond() % 86_400) / 3600.0;
    double rate = config.requestsPerSecond() * (1 + RHYTHM * Math.cos(2 * Math.PI * (hour - PEAK_HOUR) / 24));
    return time.plus(seconds(exponential(1 / rate)));
  }

  /**
   * One invalid record derived from {@code event}, one of: not JSON (cut in the middle), an unknown
   * event type, a required field missing, a rating out of range.
   */
  private String invalid(SimulatedEvent event) {
    String id = "e-" + runTag + "-bad-" + badCount;
    return switch (bad.nextInt(4)) {
      case 0 -> {
        String json = event.withType(id, event.eventType()).toJson();
        yield json.substring(0, json.length() / 2);
      }
      case 1 -> event.withType(id, "hover").toJson();
      case 2 -> event.withType(id, event.eventType())
          .toJsonWithout(List.of("event_time", "item_id", "request_id").get(bad.nextInt(3)));
      default -> new SimulatedEvent(id, "rating", event.eventTime(), event.userId(), event.itemId(),
          event.requestId(), event.surface(), null, null, null, 7.0, event.context()).toJson();
    };
  }

  private String nextId() {
    return "e-" + runTag + "-" + eventCount++;
  }

  private double exponential(double mean) {
    return -mean * Math.log(1 - traffic.nextDouble());
  }

  private static Duration seconds(double seconds) {
    return Duration.ofNanos((long) (seconds * 1e9));
  }

  private static int[] range(int n) {
    int[] values = new int[n];
    for (int i = 0; i < n; i++) {
      values[i] = i;
    }
    return values;
  }

  /**
   * 8 hex digits that tell runs apart in event and request ids: equal configs give equal ids (a
   * resent simulation is deduplicated), different ones do not collide.
   */
  private static String runTag(SimulationConfig config) {
    CRC32 crc = new CRC32();
    ByteBuffer buffer = ByteBuffer.allocate(96);
    buffer.putLong(config.seed()).putInt(config.users()).putInt(config.items()).putLong(config.requests())
        .putLong(config.start().toEpochMilli()).putDouble(config.requestsPerSecond())
        .putLong(config.drift().map(Instant::toEpochMilli).orElse(Long.MIN_VALUE))
        .putInt(config.candidates()).putInt(config.dim()).putDouble(config.searchShare())
        .putDouble(config.tasteStrength()).putInt(config.slots()).putDouble(config.positionBias());
    crc.update(buffer.array(), 0, buffer.position());
    return String.format("%08x", crc.getValue());
  }
}
