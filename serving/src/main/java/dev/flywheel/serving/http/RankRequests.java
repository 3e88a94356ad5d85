package dev.flywheel.serving.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.serving.rank.RankRequest;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
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
 * duplicate fields, wrong types, no candidates or more than the limit are refused. Stateless; thread-safe.
 */
public final class RankRequests {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
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
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new BadRequestException("The body is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new BadRequestException("The body cannot be read: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new BadRequestException("The body must be a JSON object");
    }
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw new BadRequestException("Unknown field '" + name + "'; the fields are " + new TreeSet<>(FIELDS));
      }
    }
    String requestId = text(root, "request_id", MAX_ID, false);
    String userId = text(root, "user_id", MAX_ID, true);
    String surface = text(root, "surface", MAX_ID, false);
    String query = text(root, "query", MAX_QUERY, false);
    String time = text(root, "request_time", 64, false);
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
    return new RankRequest(requestId != null ? requestId : UUID.randomUUID().toString(), userId, surface, query,
        context(root.get("context")), candidates(root.get("candidates")), at);
  }

  private static String text(JsonNode root, String field, int maxLength, boolean required) {
    JsonNode value = root.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw new BadRequestException("Missing field '" + field + "'");
      }
      return null;
    }
    if (!value.isTextual()) {
      throw new BadRequestException("'" + field + "' must be a string, got " + value.getNodeType().name().toLowerCase());
    }
    String text = value.asText();
    if (text.isEmpty() || text.length() > maxLength) {
      throw new BadRequestException("'" + field + "' must have 1.." + maxLength + " characters, got " + text.length());
    }
    return text;
  }

  private static Map<String, String> context(JsonNode context) {
    if (context == null || context.isNull()) {
      return Map.of();
    }
    if (!context.isObject()) {
      throw new BadRequestException("'context' must be an object of strings, got " + context.getNodeType().name()
          .toLowerCase());
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> fields = context.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (!field.getValue().isTextual()) {
        throw new BadRequestException("context." + field.getKey() + " must be a string, got "
            + field.getValue().getNodeType().name().toLowerCase());
      }
      values.put(field.getKey(), field.getValue().asText());
    }
    return values;
  }

  private List<String> candidates(JsonNode candidates) {
    if (candidates == null || candidates.isNull()) {
      throw new BadRequestException("Missing field 'candidates'");
    }
    if (!candidates.isArray()) {
      throw new BadRequestException("'candidates' must be an array of item ids");
    }
    if (candidates.isEmpty()) {
      throw new BadRequestException("'candidates' is empty; send at least one item id");
    }
    if (candidates.size() > maxCandidates) {
      throw new BadRequestException("Too many candidates: " + candidates.size() + ", at most " + maxCandidates);
    }
    List<String> ids = new ArrayList<>(candidates.size());
    Set<String> seen = new HashSet<>();
    for (JsonNode candidate : candidates) {
      if (!candidate.isTextual() || candidate.asText().isEmpty() || candidate.asText().length() > MAX_ID) {
        throw new BadRequestException("Every candidate must be an item id of 1.." + MAX_ID + " characters, got "
            + candidate);
      }
      if (!seen.add(candidate.asText())) {
        throw new BadRequestException("Candidate " + candidate + " appears twice");
      }
      ids.add(candidate.asText());
    }
    return ids;
  }
}
