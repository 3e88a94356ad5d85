package dev.flywheel.serving.http;

import java.time.Duration;
import java.util.Objects;

/**
 * The ranking server's settings, validated once. Immutable.
 *
 * @param host the address to bind (loopback unless told otherwise)
 * @param port the port; 0 picks a free one
 * @param threads request handler threads
 * @param maxCandidates the most candidates one request may send
 * @param maxBodyBytes the largest request body read; longer ones are refused unread
 * @param pollInterval how often the champion and snapshot pointers are checked
 */
public record ServerConfig(String host, int port, int threads, int maxCandidates, int maxBodyBytes,
    Duration pollInterval) {
  /** Loopback: serving is reached through a gateway, never straight from the network. */
  public static final String DEFAULT_HOST = "127.0.0.1";
  /** The port unless told otherwise. */
  public static final int DEFAULT_PORT = 8080;
  /** The most candidates per request unless told otherwise. */
  public static final int DEFAULT_MAX_CANDIDATES = 500;
  /** 500 ids of 128 characters fit with room to spare. */
  public static final int DEFAULT_MAX_BODY_BYTES = 256 * 1024;

  /**
   * @throws IllegalArgumentException if a number is out of range (port 0..65535, the rest positive)
   */
  public ServerConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(pollInterval, "pollInterval");
    require(port >= 0 && port <= 65_535, "--port must be within 0..65535, got " + port);
    require(threads >= 1, "--threads must be at least 1, got " + threads);
    require(maxCandidates >= 1, "--max-candidates must be at least 1, got " + maxCandidates);
    require(maxBodyBytes >= 1024, "--max-body-bytes must be at least 1024, got " + maxBodyBytes);
    require(!pollInterval.isNegative() && !pollInterval.isZero(), "--poll-ms must be positive, got "
        + pollInterval.toMillis());
  }

  /**
   * Defaults on {@code port}: loopback, one handler thread per core (at least 2: ranking is CPU-bound
   * and never waits, so more threads than cores only take turns), 500 candidates, 256 KiB, poll every 1 s.
   */
  public static ServerConfig defaults(int port) {
    return new ServerConfig(DEFAULT_HOST, port, Math.max(2, Runtime.getRuntime().availableProcessors()),
        DEFAULT_MAX_CANDIDATES, DEFAULT_MAX_BODY_BYTES, Duration.ofSeconds(1));
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
