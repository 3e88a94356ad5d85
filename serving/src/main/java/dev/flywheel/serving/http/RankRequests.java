package dev.flywheel.serving.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.flywheel.serving.rank.RankRequest;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Reads the body of {@code POST /v1/rank}, strictly:
 * {@code {"request_id"?: string, "user_id": string, "surface"?: string, "query"?: string,
 * "context"?: {string: string}, "candidates": [distinct item ids], "request_time"?: ISO instant}}.
 * Ids are 1..128 characters and the query at most 1024 (the event contract's limits, so every impression
 * the server logs is valid); optional fields may be null. {@code request_time} (default: the server's
 * clock) lets a simulation or replay rank at its own time, at most an hour ahead. Unknown fields,
 * duplicate fields, wrong types, no candidates or more than the limit are refused. Read as a token stream
 * (no tree of the body is built: this runs once per ranking request). Stateless; thread-safe.
 */
public final class RankRequests {
  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final Set<String> FIELDS = Set.of("request_id", "user_id", "surface", "query", "context",
      "candidates", "request_time");
  private static final int MAX_ID = 128;
  private static final int MAX_QUERY = 1024;
  /** The event contract refuses events more than an hour in the future of their arrival. */
  private static final Duration MAX_AHEAD = Duration.ofHours(1);

  private final int maxCandidates;

  /** A reader that accepts at most {@code maxCandidates} candidates per request. */
  public RankRequests(int maxCandidates) {
    this.maxCandidates = maxCandidates;
  }

  /**
   * The request in {@code body}; {@code now} is its time unless it names one, and a missing request id is
   * generated.
   *
   * @throws BadRequestException if the body is not a valid request, saying why
   */
  public RankRequest parse(byte[] body, Instant now) {
    try (JsonParser json = JSON.createParser(body)) {
      if (json.nextToken() != JsonToken.START_OBJECT) {
        throw new BadRequestException("The body must be a JSON object");
      }
      String requestId = null;
      String userId = null;
      String surface = null;
      String query = null;
      String time = null;
      Map<String, String> context = Map.of();
      List<String> candidates = null;
      while (json.nextToken() == JsonToken.FIELD_NAME) {
        String field = json.currentName();
        JsonToken value = json.nextToken();
        switch (field) {
          case "request_id" -> requestId = text(json, field, MAX_ID);
          case "user_id" -> userId = text(json, field, MAX_ID);
          case "surface" -> surface = text(json, field, MAX_ID);
          case "query" -> query = text(json, field, MAX_QUERY);
          case "request_time" -> time = text(json, field, 64);
          case "context" -> context = value == JsonToken.VALUE_NULL ? Map.of() : context(json);
          case "candidates" -> candidates = value == JsonToken.VALUE_NULL ? null : candidates(json);
          default -> throw new BadRequestException("Unknown field '" + field + "'; the fields are "
              + new TreeSet<>(FIELDS));
        }
      }
      if (json.nextToken() != null) {
        throw new BadRequestException("The body is not JSON: trailing content after the request object");
      }
      if (userId == null) {
        throw new BadRequestException("Missing field 'user_id'");
      }
      if (candidates == null) {
        throw new BadRequestException("Missing field 'candidates'");
      }
      return new RankRequest(requestId != null ? requestId : UUID.randomUUID().toString(), userId, surface, query,
          context, candidates, requestTime(time, now));
    } catch (JsonProcessingException e) {
      throw new BadRequestException("The body is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new BadRequestException("The body cannot be read: " + e.getMessage());
    }
  }

  private static Instant requestTime(String time, Instant now) {
    Instant at;
    try {
      at = time == null ? now : Instant.parse(time);
    } catch (DateTimeParseException e) {
      throw new BadRequestException("request_time must be an ISO-8601 instant like 2026-11-22T10:15:30Z, got " + time);
    }
    if (at.isAfter(now.plus(MAX_AHEAD))) {
      throw new BadRequestException("request_time " + time + " is more than " + MAX_AHEAD.toMinutes()
          + " minutes ahead of the server's clock (" + now + "); its impressions would be invalid");
    }
    return at;
  }

  /** The string at the parser's current token, null for JSON null. */
  private static String text(JsonParser json, String field, int maxLength) throws IOException {
    if (json.currentToken() == JsonToken.VALUE_NULL) {
      return null;
    }
    if (json.currentToken() != JsonToken.VALUE_STRING) {
      throw new BadRequestException("'" + field + "' must be a string, got " + kind(json.currentToken()));
    }
    String text = json.getText();
    if (text.isEmpty() || text.length() > maxLength) {
      throw new BadRequestException("'" + field + "' must have 1.." + maxLength + " characters, got " + text.length());
    }
    return text;
  }

  /** The JSON type of a value's first token, as the error messages name it. */
  private static String kind(JsonToken token) {
    return switch (token) {
      case START_OBJECT -> "object";
      case START_ARRAY -> "array";
      case VALUE_STRING -> "string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
      case VALUE_TRUE, VALUE_FALSE -> "boolean";
      default -> "null";
    };
  }

  private static Map<String, String> context(JsonParser json) throws IOException {
    if (json.currentToken() != JsonToken.START_OBJECT) {
      throw new BadRequestException("'context' must be an object of strings, got " + kind(json.currentToken()));
    }
    Map<String, String> values = new LinkedHashMap<>();
    while (json.nextToken() == JsonToken.FIELD_NAME) {
      String key = json.currentName();
      JsonToken value = json.nextToken();
      if (value != JsonToken.VALUE_STRING) {
        throw new BadRequestException("context." + key + " must be a string, got " + kind(value));
      }
      values.put(key, json.getText());
    }
    return values;
  }

  private List<String> candidates(JsonParser json) throws IOException {
    if (json.currentToken() != JsonToken.START_ARRAY) {
      throw new BadRequestException("'candidates' must be an array of item ids");
    }
    List<String> ids = new ArrayList<>();
    for (JsonToken candidate = json.nextToken(); candidate != JsonToken.END_ARRAY; candidate = json.nextToken()) {
      if (candidate != JsonToken.VALUE_STRING || json.getTextLength() == 0 || json.getText().length() > MAX_ID) {
        String shown = candidate == JsonToken.VALUE_STRING ? "\"" + json.getText() + "\""
            : candidate.isStructStart() ? kind(candidate) : json.getText();
        throw new BadRequestException("Every candidate must be an item id of 1.." + MAX_ID + " characters, got "
            + shown);
      }
      ids.add(json.getText());
    }
    if (ids.isEmpty()) {
      throw new BadRequestException("'candidates' is empty; send at least one item id");
    }
    if (ids.size() > maxCandidates) {
      throw new BadRequestException("Too many candidates: " + ids.size() + ", at most " + maxCandidates);
    }
    Set<String> seen = new HashSet<>(2 * ids.size());
    for (String id : ids) {
      if (!seen.add(id)) {
        throw new BadRequestException("Candidate \"" + id + "\" appears twice");
      }
    }
    return ids;
  }
}
