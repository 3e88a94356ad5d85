package dev.flywheel.serving.impressions;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.flywheel.serving.rank.RankRequest;
import dev.flywheel.serving.rank.RankResult;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

/**
 * The {@code impression} events (feedback-event-v1) of one ranking: one per ranked item, at its 0-based
 * position, with the request's id, user, surface, query, context, time and the model version. Pure.
 */
public final class ImpressionEvents {
  private static final JsonFactory JSON = new JsonFactory();

  private ImpressionEvents() {}

  /**
   * The event id of item {@code itemId} shown for request {@code requestId}: the same for the same pair
   * (a resent impression is stored once), different for different pairs; 40 characters.
   */
  public static String eventId(String requestId, String itemId) {
    byte[] key = (requestId + '\u0000' + itemId).getBytes(StandardCharsets.UTF_8);
    return "imp-" + UUID.nameUUIDFromBytes(key);
  }

  /** The contract's JSON object of the item at {@code position} of {@code result}. */
  public static String toJson(RankRequest request, RankResult result, int position) {
    String itemId = result.items().get(position);
    StringWriter out = new StringWriter(320);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("event_id", eventId(request.requestId(), itemId));
      json.writeStringField("event_type", "impression");
      json.writeStringField("event_time", request.time().truncatedTo(ChronoUnit.MILLIS).toString());
      json.writeStringField("user_id", request.userId());
      json.writeStringField("item_id", itemId);
      json.writeStringField("request_id", request.requestId());
      if (request.surface() != null) {
        json.writeStringField("surface", request.surface());
      }
      if (request.query() != null) {
        json.writeStringField("query", request.query());
      }
      json.writeNumberField("position", position);
      json.writeStringField("model_version", result.modelVersion());
      if (!request.context().isEmpty()) {
        json.writeObjectFieldStart("context");
        for (Map.Entry<String, String> entry : request.context().entrySet()) {
          json.writeStringField(entry.getKey(), entry.getValue());
        }
        json.writeEndObject();
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the impression of " + itemId + " as JSON", e);
    }
    return out.toString();
  }
}
