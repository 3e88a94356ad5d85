package dev.flywheel.pipelines.simulate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;

/**
 * One feedback event as the simulator emits it, in the fields of the contract
 * (feedback-event-v1). Optional fields are null when absent. Immutable.
 *
 * @param eventId unique id
 * @param eventType impression, click, add_to_cart, purchase, rating or dwell
 * @param eventTime when it happened (millisecond precision)
 * @param userId the user
 * @param itemId the item
 * @param requestId the ranking request that showed the item
 * @param surface search or recommendation
 * @param query the search text (search only)
 * @param position 0-based rank (impressions only)
 * @param modelVersion the ranker's model version (impressions only)
 * @param value rating 1..5, dwell seconds or purchase amount
 * @param context device, country, item_category
 */
public record SimulatedEvent(String eventId, String eventType, Instant eventTime, String userId, String itemId,
    String requestId, String surface, String query, Integer position, String modelVersion, Double value,
    Map<String, String> context) {
  private static final JsonFactory JSON = new JsonFactory();

  public SimulatedEvent {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(eventType, "eventType");
    eventTime = eventTime.truncatedTo(ChronoUnit.MILLIS);
  }

  /** The contract's JSON object, fields in the contract's order, absent optional fields left out. */
  public String toJson() {
    return toJsonWithout();
  }

  /**
   * The JSON object, optionally without the fields named in {@code omit}; the simulator uses it to
   * inject records that miss a required field.
   */
  String toJsonWithout(String... omit) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      field(json, "event_id", eventId, omit);
      field(json, "event_type", eventType, omit);
      field(json, "event_time", eventTime.toString(), omit);
      field(json, "user_id", userId, omit);
      field(json, "item_id", itemId, omit);
      field(json, "request_id", requestId, omit);
      field(json, "surface", surface, omit);
      field(json, "query", query, omit);
      if (position != null) {
        json.writeNumberField("position", position);
      }
      field(json, "model_version", modelVersion, omit);
      if (value != null) {
        json.writeFieldName("value");
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
          json.writeNumber(value.longValue());
        } else {
          json.writeNumber(value);
        }
      }
      if (context != null && !context.isEmpty()) {
        json.writeObjectFieldStart("context");
        for (Map.Entry<String, String> entry : context.entrySet()) {
          json.writeStringField(entry.getKey(), entry.getValue());
        }
        json.writeEndObject();
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write event " + eventId + " as JSON", e);
    }
    return out.toString();
  }

  private static void field(JsonGenerator json, String name, String value, String... omit) throws IOException {
    if (value == null) {
      return;
    }
    for (String skipped : omit) {
      if (skipped.equals(name)) {
        return;
      }
    }
    json.writeStringField(name, value);
  }

  /** This event with another type and id. */
  SimulatedEvent withType(String newId, String newType) {
    return new SimulatedEvent(newId, newType, eventTime, userId, itemId, requestId, surface, query, position,
        modelVersion, value, context);
  }
}
