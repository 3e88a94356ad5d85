package dev.flywheel.pipelines.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Asks a ranking endpoint over HTTP (the JDK's client): {@code POST url} with
 * {@code {"request_id", "user_id", "surface", "query", "context", "candidates": [item ids], "request_time"}}
 * ({@code request_time} only when the request has a time), answered by
 * {@code {"items": [item ids, best first], "model_version": "...", "request_id": "..."}} (the request id is
 * optional and defaults to the request's). The answer may drop candidates but must not name others.
 * Thread-safe.
 */
public final class HttpRanker implements Ranker {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final URI url;
  private final HttpClient client;
  private final Duration timeout;

  /** A ranker that posts to {@code url}, each call failing after {@code timeout}. */
  public HttpRanker(URI url, Duration timeout) {
    this.url = url;
    this.timeout = timeout;
    this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public Ranking rank(Request request) {
    ObjectNode body = JSON.createObjectNode()
        .put("request_id", request.requestId())
        .put("user_id", request.userId())
        .put("surface", request.surface());
    if (request.query() != null) {
      body.put("query", request.query());
    }
    ObjectNode context = body.putObject("context");
    request.context().forEach(context::put);
    request.candidates().forEach(body.putArray("candidates")::add);
    if (request.time() != null) {
      body.put("request_time", request.time().toString());
    }
    HttpResponse<String> response;
    try {
      response = client.send(HttpRequest.newBuilder(url).timeout(timeout)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new SimulationException("The ranker at " + url + " did not answer request " + request.requestId()
          + " (" + e + "); is it running?", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SimulationException("Interrupted while waiting for the ranker at " + url);
    }
    if (response.statusCode() != 200) {
      throw new SimulationException("The ranker at " + url + " answered request " + request.requestId()
          + " with HTTP " + response.statusCode() + ": " + abbreviate(response.body()));
    }
    return parse(request, response.body());
  }

  private Ranking parse(Request request, String body) {
    JsonNode answer;
    try {
      answer = JSON.readTree(body);
    } catch (IOException e) {
      throw new SimulationException("The ranker at " + url + " answered with something that is not JSON: "
          + abbreviate(body), e);
    }
    JsonNode items = answer.path("items");
    JsonNode version = answer.path("model_version");
    JsonNode requestId = answer.path("request_id");
    if (!items.isArray() || !version.isValueNode() || !(requestId.isMissingNode() || requestId.isTextual())) {
      throw new SimulationException("The ranker at " + url + " must answer {\"items\": [...], \"model_version\": "
          + "\"...\"}, got: " + abbreviate(body));
    }
    Set<String> candidates = new HashSet<>(request.candidates());
    List<String> ranked = new ArrayList<>();
    for (JsonNode item : items) {
      if (!candidates.contains(item.asText())) {
        throw new SimulationException("The ranker at " + url + " returned item " + item.asText()
            + " that is not a candidate of request " + request.requestId());
      }
      ranked.add(item.asText());
    }
    return new Ranking(ranked, version.asText(), requestId.isTextual() ? requestId.asText() : request.requestId());
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }
}
