package dev.flywheel.serving.impressions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.serving.rank.RankRequest;
import dev.flywheel.serving.rank.RankResult;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImpressionEventsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final RankRequest SEARCH = new RankRequest("r-9", "u-42", "search", "running shoes",
      Map.of("device", "mobile"), List.of("i-7", "i-3"), Instant.parse("2026-11-22T10:15:30.123456Z"));
  private static final RankResult RANKED = new RankResult("r-9", "7", List.of("i-3", "i-7"), new double[] {0.9, 0.2});

  @Test
  void everyRankedItemIsAnImpressionAtItsZeroBasedPosition() throws Exception {
    JsonNode second = JSON.readTree(ImpressionEvents.toJson(SEARCH, RANKED, 1));

    assertEquals(JSON.readTree("""
        {"event_id": "%s", "event_type": "impression", "event_time": "2026-11-22T10:15:30.123Z", "user_id": "u-42",
         "item_id": "i-7", "request_id": "r-9", "surface": "search", "query": "running shoes", "position": 1,
         "model_version": "7", "context": {"device": "mobile"}}""".formatted(ImpressionEvents.eventId("r-9", "i-7"))),
        second);
  }

  @Test
  void optionalFieldsAreLeftOutWhenAbsent() throws Exception {
    RankRequest bare = new RankRequest("r-1", "u-1", null, null, Map.of(), List.of("i-1"), Instant.EPOCH);

    JsonNode event = JSON.readTree(ImpressionEvents.toJson(bare, new RankResult("r-1", "random", List.of("i-1"),
        new double[] {0.5}), 0));

    assertFalse(event.has("surface") || event.has("query") || event.has("context"), event.toString());
    assertEquals(0, event.get("position").asInt());
    assertEquals("1970-01-01T00:00:00Z", event.get("event_time").asText());
  }

  @Test
  void theEventIdIsDeterministicPerRequestAndItem() {
    String id = ImpressionEvents.eventId("r-9", "i-7");

    assertEquals(id, ImpressionEvents.eventId("r-9", "i-7"));
    assertNotEquals(id, ImpressionEvents.eventId("r-9", "i-3"));
    assertNotEquals(id, ImpressionEvents.eventId("r-9i", "-7"));
    assertEquals(40, id.length());
  }
}
