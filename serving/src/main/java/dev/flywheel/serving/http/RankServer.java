package dev.flywheel.serving.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.flywheel.serving.ServingException;
import dev.flywheel.serving.impressions.ImpressionLog;
import dev.flywheel.serving.rank.ModelWatcher;
import dev.flywheel.serving.rank.RankRequest;
import dev.flywheel.serving.rank.RankResult;
import dev.flywheel.serving.rank.Ranking;
import dev.flywheel.serving.rank.ServingState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The ranking HTTP server (the JDK's {@code com.sun.net.httpserver} on a bounded pool of handler
 * threads):
 *
 * <ul>
 *   <li>{@code POST /v1/rank}: a request as {@link RankRequests} reads it, answered with
 *       {@code {"request_id", "model_version", "items": [best first], "scores": [...]}}; each ranked item
 *       is logged as an impression. A bad request gets HTTP 400 and {@code {"error": "..."}}, and the
 *       server goes on serving.
 *   <li>{@code GET /healthz}: {@code {"status": "ok", "model_version": ...}}.
 *   <li>{@code GET /metrics}: requests by status, recent latency percentiles, the model version and
 *       snapshot, and the impression log's counters.
 * </ul>
 *
 * Each request reads the live {@link ServingState} once, so its answer and impressions name one model
 * version even while the champion is swapped. When every handler is busy and the queue is full, the
 * accepting thread ranks the request itself, which slows accepting instead of failing. Thread-safe.
 */
public final class RankServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RankServer.class.getName());
  private static final JsonFactory JSON_FACTORY = new JsonFactory();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int QUEUE = 1024;

  static {
    // The JDK server writes a response's headers and body separately; without TCP_NODELAY, Nagle's
    // algorithm holds the body until the client's delayed ACK (40 ms) on every kept-alive request.
    // Read once, when the JDK's server classes initialize, so it must be set before the first server.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final HttpServer server;
  private final ThreadPoolExecutor handlers;
  private final ServerConfig config;
  private final ModelWatcher models;
  private final ImpressionLog impressions;
  private final RankRequests requests;
  private final ServerMetrics metrics = new ServerMetrics();

  private RankServer(HttpServer server, ThreadPoolExecutor handlers, ServerConfig config, ModelWatcher models,
      ImpressionLog impressions) {
    this.server = server;
    this.handlers = handlers;
    this.config = config;
    this.models = models;
    this.impressions = impressions;
    this.requests = new RankRequests(config.maxCandidates());
  }

  /**
   * Binds {@code config.host():config.port()} and starts serving the states of {@code models}, logging
   * impressions to {@code impressions}. The caller keeps owning both.
   *
   * @throws ServingException if the address cannot be bound
   */
  public static RankServer start(ServerConfig config, ModelWatcher models, ImpressionLog impressions) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), QUEUE);
    } catch (IOException e) {
      throw new ServingException("Cannot listen on " + config.host() + ":" + config.port() + " (" + e.getMessage()
          + "); is another server using the port? Choose one with --port", e);
    }
    ThreadPoolExecutor handlers = new ThreadPoolExecutor(config.threads(), config.threads(), 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(QUEUE), runnable -> new Thread(runnable, "flywheel-rank"),
        new ThreadPoolExecutor.CallerRunsPolicy());
    RankServer rankServer = new RankServer(server, handlers, config, models, impressions);
    server.setExecutor(handlers);
    server.createContext("/v1/rank", exchange -> rankServer.handle(exchange, rankServer::rank));
    server.createContext("/healthz", exchange -> rankServer.handle(exchange, rankServer::health));
    server.createContext("/metrics", exchange -> rankServer.handle(exchange, rankServer::metricsOf));
    server.start();
    return rankServer;
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://host:port/v1/rank}. */
  public URI rankUrl() {
    return URI.create("http://" + config.host() + ":" + port() + "/v1/rank");
  }

  /** Request handler threads. */
  public int threads() {
    return config.threads();
  }

  /** The request counters and latency window. */
  public ServerMetrics metrics() {
    return metrics;
  }

  /** An answer: HTTP status and JSON body. */
  private record Answer(int status, byte[] body) {}

  private interface Endpoint {
    Answer answer(HttpExchange exchange) throws IOException;
  }

  private void handle(HttpExchange exchange, Endpoint endpoint) {
    long began = System.nanoTime();
    Answer answer;
    try {
      answer = endpoint.answer(exchange);
    } catch (BadRequestException e) {
      answer = error(400, e.getMessage());
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.ERROR, "Failed to answer " + exchange.getRequestURI(), e);
      answer = error(500, "Internal error: " + e.getMessage());
    }
    try (exchange) {
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(answer.status(), answer.body().length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(answer.body());
      }
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "The client of " + exchange.getRequestURI() + " went away: " + e.getMessage());
    }
    if (exchange.getHttpContext().getPath().equals("/v1/rank")) {
      metrics.record(answer.status(), System.nanoTime() - began);
    }
  }

  private Answer rank(HttpExchange exchange) throws IOException {
    Answer refused = refuse(exchange, "POST", "/v1/rank");
    if (refused != null) {
      return refused;
    }
    RankRequest request = requests.parse(readBody(exchange), Instant.now());
    ServingState state = models.current();
    RankResult result = Ranking.rank(state, request);
    impressions.log(request, result);
    return new Answer(200, toJson(result));
  }

  private Answer health(HttpExchange exchange) throws IOException {
    Answer refused = refuse(exchange, "GET", "/healthz");
    if (refused != null) {
      return refused;
    }
    return new Answer(200, JSON.writeValueAsBytes(Map.of("status", "ok", "model_version",
        models.current().modelVersion())));
  }

  private Answer metricsOf(HttpExchange exchange) throws IOException {
    Answer refused = refuse(exchange, "GET", "/metrics");
    if (refused != null) {
      return refused;
    }
    ServingState state = models.current();
    Map<String, Object> snapshot = new LinkedHashMap<>();
    snapshot.put("path", state.snapshot().name());
    snapshot.put("gold_version", state.snapshot().goldVersion());
    snapshot.put("as_of", state.snapshot().asOf() == null ? null : state.snapshot().asOf().toString());
    snapshot.put("rows", state.snapshot().size());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("requests", metrics.counts());
    body.put("latency_ms", metrics.latencyMillis());
    body.put("model_version", state.modelVersion());
    body.put("bundle", state.champion() == null ? null : state.champion().bundle().toString());
    body.put("snapshot", snapshot);
    body.put("impressions", impressions.counts());
    return new Answer(200, JSON.writeValueAsBytes(body));
  }

  /** 404 for a path below the endpoint's, 405 for another method; null when the request may proceed. */
  private static Answer refuse(HttpExchange exchange, String method, String path) {
    if (!exchange.getRequestURI().getPath().equals(path)) {
      return error(404, "No endpoint " + exchange.getRequestURI().getPath());
    }
    if (!exchange.getRequestMethod().equals(method)) {
      exchange.getResponseHeaders().set("Allow", method);
      return error(405, path + " takes " + method + ", not " + exchange.getRequestMethod());
    }
    return null;
  }

  /** The body, refused unread beyond {@code maxBodyBytes} (the connection is then closed, not drained). */
  private byte[] readBody(HttpExchange exchange) throws IOException {
    int limit = config.maxBodyBytes();
    String declared = exchange.getRequestHeaders().getFirst("Content-Length");
    if (declared != null && declared.matches("\\d{1,18}") && Long.parseLong(declared) > limit) {
      throw new BadRequestException("The body has " + declared + " bytes, more than the limit of " + limit);
    }
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(limit + 1);
      if (body.length > limit) {
        throw new BadRequestException("The body is larger than the limit of " + limit + " bytes");
      }
      return body;
    }
  }

  private static byte[] toJson(RankResult result) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 40 * result.items().size());
    try (JsonGenerator json = JSON_FACTORY.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("request_id", result.requestId());
      json.writeStringField("model_version", result.modelVersion());
      json.writeArrayFieldStart("items");
      for (String item : result.items()) {
        json.writeString(item);
      }
      json.writeEndArray();
      json.writeArrayFieldStart("scores");
      for (double score : result.scores()) {
        json.writeNumber(score);
      }
      json.writeEndArray();
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static Answer error(int status, String message) {
    try {
      return new Answer(status, JSON.writeValueAsBytes(Map.of("error", message)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops accepting, lets running requests finish for up to a second, and stops the handler threads. */
  @Override
  public void close() {
    server.stop(1);
    handlers.shutdown();
  }
}
