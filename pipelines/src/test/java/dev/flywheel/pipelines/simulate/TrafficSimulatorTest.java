package dev.flywheel.pipelines.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.flywheel.pipelines.kafka.KafkaBroker;
import dev.flywheel.pipelines.kafka.TestBrokers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The simulator's promises: determinism, position bias, affinity, drift, and contract-valid records. */
class TrafficSimulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant START = Instant.parse("2026-11-01T00:00:00Z");
  private static final Set<String> TYPES = Set.of("impression", "click", "add_to_cart", "purchase", "rating", "dwell");

  /** A large random-order run shared by the statistical tests. */
  private static List<JsonNode> large;
  private static SimulationTruth largeTruth;
  private static TrafficSimulator.Summary largeSummary;

  @TempDir
  static Path dir;

  record Line(String key, String json) {}

  static final class Collecting implements EventSink {
    final List<Line> lines = new ArrayList<>();

    @Override
    public void accept(String key, String json) {
      lines.add(new Line(key, json));
    }

    @Override
    public void close() {}
  }

  static SimulationConfig config(long seed, long requests, Instant driftAt, double badFraction) {
    return SimulationConfig.of(300, 200, requests, seed, START, 0.5, driftAt, badFraction);
  }

  static List<Line> simulate(SimulationConfig config) {
    TrafficSimulator simulator = new TrafficSimulator(config);
    Collecting sink = new Collecting();
    simulator.run(simulator.randomRanker(), sink);
    return sink.lines;
  }

  @BeforeAll
  static void largeRun() throws IOException {
    TrafficSimulator simulator = new TrafficSimulator(config(7, 15_000, null, 0));
    Path events = dir.resolve("large.jsonl.gz");
    try (EventSink sink = EventSinks.jsonLines(events)) {
      largeSummary = simulator.run(simulator.randomRanker(), sink);
    }
    simulator.truth().write(dir.resolve("large.truth.json"));
    largeTruth = SimulationTruth.read(dir.resolve("large.truth.json"));
    large = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(events)), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        large.add(JSON.readTree(line));
      }
    }
    System.out.printf("simulated %d events in %d ms (%.0f events/s)%n", largeSummary.total(),
        largeSummary.elapsed().toMillis(), largeSummary.perSecond());
  }

  @Test
  void expectedClicksPutRandomRankingBelowTheOracleWhichATruthRankerReaches() {
    TrafficSimulator.ExpectedClicks random = largeSummary.expected();
    assertEquals(150_000, random.impressions());
    assertEquals(random.randomCtr(), random.servedCtr(), 0.05 * random.randomCtr(),
        "a random ranker is served at random ranking's expectation");
    assertTrue(random.oracleCtr() > 1.2 * random.servedCtr(), "the truth's order lifts the expected CTR: " + random);

    TrafficSimulator simulator = new TrafficSimulator(config(7, 2000, null, 0));
    Ranker oracle = request -> new Ranker.Ranking(request.candidates().stream()
        .sorted(Comparator.comparingDouble(item -> -simulator.truth().affinity(request.userId(), item,
            request.time()))).toList(), "oracle", request.requestId());
    TrafficSimulator.ExpectedClicks ranked = simulator.run(oracle, new Collecting()).expected();
    assertEquals(ranked.oracle(), ranked.served(), 1e-9, "ranking by the truth is the oracle");
    assertTrue(ranked.served() > 1.2 * ranked.random(), ranked.toString());
  }

  @Test
  void withMoreCandidatesThanSlotsThePageShowsTheRankersFirstAndTheOracleRisesFarAboveRandom() {
    SimulationConfig allShown = config(7, 1500, null, 0);
    SimulationConfig pageOfTen = allShown.withRoom(50, 10, 1, 1);
    List<List<String>> ranked = new ArrayList<>();
    TrafficSimulator simulator = new TrafficSimulator(pageOfTen);
    Ranker reversed = request -> {
      List<String> order = new ArrayList<>(request.candidates());
      Collections.reverse(order);
      ranked.add(order);
      return new Ranker.Ranking(order, "reversed", request.requestId());
    };
    Collecting sink = new Collecting();
    TrafficSimulator.ExpectedClicks page = simulator.run(reversed, sink).expected();
    TrafficSimulator.ExpectedClicks all = run(allShown);

    Map<String, List<JsonNode>> impressions = sink.lines.stream().map(line -> parse(line.json()))
        .filter(event -> event.get("event_type").asText().equals("impression"))
        .collect(Collectors.groupingBy(event -> event.get("request_id").asText(), LinkedHashMap::new,
            Collectors.toList()));
    assertEquals(1500, impressions.size());
    int r = 0;
    for (List<JsonNode> shown : impressions.values()) {
      assertEquals(50, ranked.get(r).size(), "the ranker orders every candidate");
      assertEquals(ranked.get(r++).subList(0, 10), shown.stream().sorted(Comparator.comparingInt(e -> e.get("position")
          .asInt())).map(e -> e.get("item_id").asText()).toList(), "the page shows the ranker's first 10");
    }
    assertEquals(15_000, page.impressions());
    assertTrue(page.oracleLift() > 2 && page.oracleLift() > all.oracleLift() + 0.5,
        "choosing 10 of 50 leaves more room than ordering 10: " + page + " against " + all);
    assertTrue(page.random() < page.appeal() && page.appeal() < page.oracle(), page.toString());
  }

  @Test
  void withoutPersonalTasteItemAppealIsTheOracleAndAStrongerTasteRaisesTheOracleOverRandom() {
    SimulationConfig world = config(7, 1500, null, 0);
    TrafficSimulator.ExpectedClicks none = run(world.withRoom(30, 10, 0, 1));
    TrafficSimulator.ExpectedClicks usual = run(world.withRoom(30, 10, 1, 1));

    assertEquals(none.oracle(), none.appeal(), 1e-9, "every user likes an item alike: " + none);
    assertTrue(usual.oracleLift() > none.oracleLift() + 0.2, usual + " against " + none);
    assertTrue(usual.oracle() > usual.appeal() * 1.15, "personal taste is room beyond item appeal: " + usual);
  }

  @Test
  void thePositionBiasIsAnOptionThatTheTruthRecords() {
    SimulationConfig world = config(7, 1000, null, 0);
    TrafficSimulator flat = new TrafficSimulator(world.withRoom(10, 10, 1, 0));
    TrafficSimulator.ExpectedClicks none = flat.run(flat.randomRanker(), new Collecting()).expected();
    TrafficSimulator steep = new TrafficSimulator(world.withRoom(10, 10, 1, 2));
    TrafficSimulator.ExpectedClicks two = steep.run(steep.randomRanker(), new Collecting()).expected();

    assertEquals(none.random(), none.oracle(), 1e-9, "every position examined alike: order does not matter");
    assertEquals(0.25, steep.truth().examination(1), 1e-12);
    assertTrue(two.oracleLift() > run(world).oracleLift(), "a steeper bias rewards the order: " + two);
  }

  @Test
  void theRoomOptionsKeepTheRunDeterministicAndTheTruthRecordsThem() throws IOException {
    SimulationConfig world = config(11, 300, null, 0).withRoom(40, 8, 1.5, 1.2);
    List<Line> first = simulate(world);

    assertEquals(first, simulate(world));
    assertNotEquals(first, simulate(config(11, 300, null, 0).withRoom(40, 8, 1.4, 1.2)));
    Path file = dir.resolve("room.truth.json");
    new TrafficSimulator(world).truth().write(file);
    SimulationTruth truth = SimulationTruth.read(file);
    assertEquals(1.2, truth.positionBias());
    SimulationTruth usual = new TrafficSimulator(config(11, 300, null, 0)).truth();
    assertEquals(1.5 * usual.users().get(3).factors()[2], truth.users().get(3).factors()[2], 1e-12,
        "a stronger taste scales the same users' factors");
  }

  @Test
  void roomValuesOutOfRangeAreRefusedWithTheOptionName() {
    SimulationConfig world = config(1, 10, null, 0);
    Map<String, Executable> bad = new LinkedHashMap<>();
    bad.put("--taste-strength must be within 0..10 (1 is the default world, 0 no personal taste), got -0.5",
        () -> world.withRoom(10, 10, -0.5, 1));
    bad.put("--position-bias must be within 0..5 (the exponent of (1 + position)^-b; 1 is the default, 0 no position"
        + " bias), got NaN", () -> world.withRoom(10, 10, 1, Double.NaN));
    bad.put("--slots must be within 1..--candidates (20): the page shows some of the candidates, got 21",
        () -> world.withRoom(20, 21, 1, 1));
    bad.put("--slots must be within 1..--candidates (20): the page shows some of the candidates, got 0",
        () -> world.withRoom(20, 0, 1, 1));
    bad.put("--candidates must be within 1..500 items per request, got 501", () -> world.withRoom(501, 10, 1, 1));
    bad.put("--items must be at least the 201 candidates per request, got 200", () -> world.withRoom(201, 10, 1, 1));
    bad.forEach((message, call) -> assertEquals(message, assertThrows(IllegalArgumentException.class, call)
        .getMessage()));
  }

  private static TrafficSimulator.ExpectedClicks run(SimulationConfig config) {
    TrafficSimulator simulator = new TrafficSimulator(config);
    return simulator.run(simulator.randomRanker(), new Collecting()).expected();
  }

  @Test
  void theSameSeedGivesTheSameRecordsAndAnotherSeedOthers() {
    List<Line> first = simulate(config(42, 500, null, 0));
    List<Line> again = simulate(config(42, 500, null, 0));
    List<Line> other = simulate(config(43, 500, null, 0));

    assertEquals(first, again);
    assertNotEquals(first, other);
    assertTrue(first.size() >= 5000, "10 impressions per request and some feedback: " + first.size());
  }

  @Test
  void clicksFollowThePositionBias() {
    double[] ctr = clickRateByPosition();

    assertTrue(ctr[0] > 2 * ctr[5], Arrays.toString(ctr));
    assertTrue(ctr[0] > ctr[1] && ctr[1] > ctr[3] && ctr[3] > ctr[9], Arrays.toString(ctr));
  }

  @Test
  void highAffinityPairsAreClickedMoreOften() {
    List<double[]> affinityAndClick = new ArrayList<>();
    Set<String> clicked = feedbackKeys("click");
    for (JsonNode event : large) {
      if (event.get("event_type").asText().equals("impression")) {
        double affinity = largeTruth.affinity(event.get("user_id").asText(), event.get("item_id").asText(),
            Instant.parse(event.get("event_time").asText()));
        double examination = largeTruth.examination(event.get("position").asInt());
        affinityAndClick.add(new double[] {affinity, clicked.contains(key(event)) ? 1 : 0, examination});
      }
    }
    affinityAndClick.sort((a, b) -> Double.compare(a[0], b[0]));
    int quarter = affinityAndClick.size() / 4;
    double low = affinityAndClick.subList(0, quarter).stream().mapToDouble(a -> a[1]).average().orElseThrow();
    double high = affinityAndClick.subList(3 * quarter, affinityAndClick.size()).stream().mapToDouble(a -> a[1])
        .average().orElseThrow();
    double expected = affinityAndClick.stream().mapToDouble(a -> a[0] * a[2]).sum();
    double actual = affinityAndClick.stream().mapToDouble(a -> a[1]).sum();

    assertTrue(high > 3 * low, "low quartile " + low + ", high quartile " + high);
    assertEquals(expected, actual, 4 * Math.sqrt(expected), "clicks are examination x affinity");
  }

  @Test
  void recordsArriveInTheOrderOfTheirEventTimesLateRatingsIncluded() {
    Instant previous = Instant.MIN;
    long lateFeedback = 0;
    Map<String, Instant> requestTimes = new HashMap<>();
    for (JsonNode event : large) {
      Instant time = Instant.parse(event.get("event_time").asText());
      assertFalse(time.isBefore(previous), "out of time order: " + event + " after " + previous);
      previous = time;
      Instant requested = requestTimes.computeIfAbsent(event.get("request_id").asText(), id -> time);
      lateFeedback += Duration.between(requested, time).toHours() >= 1 ? 1 : 0;
    }
    assertTrue(lateFeedback > 0, "some feedback comes hours after its request, and waits for its time");
  }

  @Test
  void everyRecordIsValidPerTheContract() {
    Map<String, JsonNode> impressions = new HashMap<>();
    Set<String> ids = new HashSet<>();
    for (JsonNode event : large) {
      for (String field : List.of("event_id", "event_type", "event_time", "user_id", "item_id", "request_id")) {
        assertTrue(event.path(field).isTextual(), field + " missing in " + event);
        int length = event.get(field).asText().length();
        assertTrue(length >= 1 && length <= 128, field + " length in " + event);
      }
      assertTrue(ids.add(event.get("event_id").asText()), "duplicate id " + event);
      String type = event.get("event_type").asText();
      assertTrue(TYPES.contains(type), event.toString());
      assertTrue(event.get("event_time").asText().endsWith("Z"), event.toString());
      Instant time = Instant.parse(event.get("event_time").asText());
      assertTrue(event.path("context").isObject(), event.toString());
      event.get("context").fields().forEachRemaining(entry -> assertTrue(entry.getValue().isTextual()));
      assertEquals(3, event.get("context").size(), event.toString());
      String surface = event.get("surface").asText();
      assertTrue(surface.equals("search") || surface.equals("recommendation"), event.toString());
      assertEquals(surface.equals("search"), event.has("query"), event.toString());
      if (type.equals("impression")) {
        assertTrue(event.path("position").isInt() && event.get("position").asInt() >= 0, event.toString());
        assertEquals("random", event.get("model_version").asText());
        impressions.put(key(event), event);
        continue;
      }
      JsonNode impression = impressions.get(key(event));
      assertNotNull(impression, "feedback without an earlier impression of its request: " + event);
      assertEquals(impression.get("user_id"), event.get("user_id"));
      assertTrue(time.isAfter(Instant.parse(impression.get("event_time").asText())), event.toString());
      switch (type) {
        case "rating" -> assertTrue(event.get("value").isInt() && event.get("value").asInt() >= 1
            && event.get("value").asInt() <= 5, event.toString());
        case "dwell", "purchase" -> assertTrue(event.get("value").isNumber() && event.get("value").asDouble() >= 0,
            event.toString());
        default -> assertFalse(event.has("value"), event.toString());
      }
    }
    assertEquals(largeSummary.total(), large.size());
    assertEquals(150_000, largeSummary.events().get("impression"));
    assertTrue(largeSummary.events().get("purchase") > 0 && largeSummary.events().get("rating") > 0,
        largeSummary.toString());
  }

  @Test
  void requestsFollowADailyRhythm() {
    long[] byHour = new long[24];
    large.stream().filter(e -> e.get("event_type").asText().equals("impression") && e.get("position").asInt() == 0)
        .forEach(e -> byHour[Instant.parse(e.get("event_time").asText()).atZone(java.time.ZoneOffset.UTC).getHour()]++);

    assertTrue(byHour[0] > 2 * byHour[7], "busy around midnight (peak 20:00 UTC), quiet towards 08:00: " + Arrays.toString(byHour));
  }

  @Test
  void afterTheDriftClicksFollowTheDriftedPreferences() {
    Instant drift = START.plus(Duration.ofHours(4));
    TrafficSimulator simulator = new TrafficSimulator(config(11, 15_000, drift, 0));
    Collecting sink = new Collecting();
    simulator.run(simulator.randomRanker(), sink);
    SimulationTruth truth = simulator.truth();
    List<JsonNode> events = sink.lines.stream().map(line -> parse(line.json())).toList();
    Set<String> clicked = events.stream().filter(e -> e.get("event_type").asText().equals("click"))
        .map(TrafficSimulatorTest::key).collect(Collectors.toSet());
    double withDrifted = 0;
    double withOriginal = 0;
    int after = 0;
    for (JsonNode event : events) {
      Instant time = Instant.parse(event.get("event_time").asText());
      if (!event.get("event_type").asText().equals("impression") || time.isBefore(drift)) {
        continue;
      }
      after++;
      SimulationTruth.User user = truth.user(event.get("user_id").asText());
      SimulationTruth.Item item = truth.item(event.get("item_id").asText());
      double click = clicked.contains(key(event)) ? 1 : 0;
      withDrifted += Math.pow(click - SimulationTruth.affinity(user, item, true) * truth.examination(
          event.get("position").asInt()), 2);
      withOriginal += Math.pow(click - SimulationTruth.affinity(user, item, false) * truth.examination(
          event.get("position").asInt()), 2);
    }

    assertTrue(after > 50_000, "impressions after the drift: " + after);
    assertTrue(withDrifted < withOriginal, "squared error drifted " + withDrifted + ", original " + withOriginal);
    assertEquals(drift.toString(), truth.driftAt());
  }

  @Test
  void invalidRecordsComeOnTopOfTheSameValidTraffic() {
    List<Line> clean = simulate(config(5, 1000, null, 0));
    List<Line> dirty = simulate(config(5, 1000, null, 0.05));

    List<Line> valid = dirty.stream().filter(line -> !line.json().contains("-bad-")).toList();
    List<Line> invalid = dirty.stream().filter(line -> line.json().contains("-bad-")).toList();

    assertEquals(clean, valid);
    assertEquals(0.05 * clean.size(), invalid.size(), 0.25 * 0.05 * clean.size());
    assertTrue(invalid.stream().anyMatch(line -> !line.json().endsWith("}")), "a record that is not JSON");
    assertTrue(invalid.stream().anyMatch(line -> line.json().contains("\"event_type\":\"hover\"")));
    assertTrue(invalid.stream().anyMatch(line -> line.json().endsWith("}") && !line.json().contains("event_time")));
    assertTrue(invalid.stream().anyMatch(line -> line.json().contains("\"value\":7")));
  }

  @Test
  void aRankingEndpointOrdersTheImpressionsAndNamesTheModel() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/rank", exchange -> {
      JsonNode request = JSON.readTree(exchange.getRequestBody());
      List<String> reversed = new ArrayList<>();
      request.get("candidates").forEach(item -> reversed.add(0, item.asText()));
      byte[] body = JSON.writeValueAsBytes(Map.of("items", reversed, "model_version", "7"));
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    try {
      SimulationConfig config = config(3, 50, null, 0);
      HttpRanker ranker = new HttpRanker(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/rank"),
          Duration.ofSeconds(5));
      Collecting sink = new Collecting();
      new TrafficSimulator(config).run(ranker, sink);

      List<JsonNode> impressions = sink.lines.stream().map(line -> parse(line.json()))
          .filter(e -> e.get("event_type").asText().equals("impression")).toList();
      assertEquals(500, impressions.size());
      assertTrue(impressions.stream().allMatch(e -> e.get("model_version").asText().equals("7")));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aRankerThatLogsImpressionsLeavesTheSimulatorOnlyTheFeedbackUnderTheRankersRequestId() {
    SimulationConfig config = config(5, 200, null, 0);
    Collecting own = new Collecting();
    TrafficSimulator reference = new TrafficSimulator(config);
    reference.run(reference.randomRanker(), own);
    TrafficSimulator logged = new TrafficSimulator(config.withRankerLoggingImpressions());
    Ranker sameOrder = logged.randomRanker();
    List<Instant> times = new ArrayList<>();
    Ranker serving = request -> {
      times.add(request.time());
      return new Ranker.Ranking(sameOrder.rank(request).items(), "3", "srv-" + request.requestId());
    };
    Collecting feedbackOnly = new Collecting();

    logged.run(serving, feedbackOnly);

    List<JsonNode> events = feedbackOnly.lines.stream().map(line -> parse(line.json())).toList();
    assertFalse(events.isEmpty());
    assertTrue(events.stream().noneMatch(e -> e.get("event_type").asText().equals("impression")));
    assertTrue(events.stream().allMatch(e -> e.get("request_id").asText().startsWith("srv-r-")), "server's ids");
    assertEquals(200, times.size());
    assertTrue(times.stream().allMatch(time -> !time.isBefore(START)), "requests carry their simulated time");
    long ownClicks = own.lines.stream().filter(line -> line.json().contains("\"event_type\":\"click\"")).count();
    assertEquals(ownClicks, events.stream().filter(e -> e.get("event_type").asText().equals("click")).count(),
        "the same traffic draws the same clicks");
  }

  @Test
  void aRankerThatInventsItemsStopsTheRun() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/rank", exchange -> {
      byte[] body = "{\"items\":[\"i-999999\"],\"model_version\":\"x\"}".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    try {
      URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/rank");
      SimulationException error = assertThrows(SimulationException.class,
          () -> new TrafficSimulator(config(3, 1, null, 0)).run(new HttpRanker(url, Duration.ofSeconds(5)),
              new Collecting()));

      assertTrue(error.getMessage().startsWith("The ranker at " + url + " returned item i-999999 that is not a"
          + " candidate of request r-"), error.getMessage());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void toKafkaEveryRecordArrivesKeyedByUserId() {
    KafkaBroker broker = TestBrokers.shared();
    List<Line> expected = simulate(config(9, 100, null, 0));
    TrafficSimulator simulator = new TrafficSimulator(config(9, 100, null, 0));
    try (EventSink sink = EventSinks.kafka(broker.bootstrapServers(), "simulate.events")) {
      simulator.run(simulator.randomRanker(), sink);
    }

    List<ConsumerRecord<String, String>> records = TestBrokers.readAll(broker.bootstrapServers(), "simulate.events",
        expected.size());

    assertEquals(expected.size(), records.size());
    assertEquals(new HashSet<>(expected), records.stream().map(r -> new Line(r.key(), r.value()))
        .collect(Collectors.toSet()));
    assertTrue(records.stream().allMatch(r -> r.value().contains("\"user_id\":\"" + r.key() + "\"")));
  }

  @Test
  void aBadConfigIsRefusedWithTheOptionName() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> SimulationConfig.of(10, 5, 10, 1, START, 1, null, 0));

    assertEquals("--items must be at least the 10 candidates per request, got 5", error.getMessage());
  }

  private static double[] clickRateByPosition() {
    Set<String> clicked = feedbackKeys("click");
    double[] shown = new double[10];
    double[] clicks = new double[10];
    for (JsonNode event : large) {
      if (event.get("event_type").asText().equals("impression")) {
        int position = event.get("position").asInt();
        shown[position]++;
        clicks[position] += clicked.contains(key(event)) ? 1 : 0;
      }
    }
    double[] ctr = new double[10];
    for (int p = 0; p < 10; p++) {
      ctr[p] = clicks[p] / shown[p];
    }
    return ctr;
  }

  private static Set<String> feedbackKeys(String type) {
    return large.stream().filter(e -> e.get("event_type").asText().equals(type)).map(TrafficSimulatorTest::key)
        .collect(Collectors.toSet());
  }

  private static String key(JsonNode event) {
    return event.get("request_id").asText() + "/" + event.get("item_id").asText();
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }
}
