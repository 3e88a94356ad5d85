package dev.flywheel.serving.bench;

import dev.flywheel.serving.http.ServerMetrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load generator for {@code POST /v1/rank} (the JDK's HttpClient): requests leave at a
 * fixed rate whatever the server's latency, each with {@code candidates} distinct item ids of a pool
 * and a random user, and each latency is measured from the moment the request was due, so a server
 * that falls behind shows it in the percentiles (no coordinated omission). Requests of the warm-up are
 * sent but not measured. One instance per run.
 */
public final class ServeLoad {
  /**
   * What to send.
   *
   * @param ratePerSecond requests per second
   * @param duration how long to measure
   * @param warmup how long to send before measuring
   * @param candidates candidates per request
   * @param items the item id pool ({@code i-0} ...)
   * @param users the user id pool ({@code u-0} ...)
   * @param seed the seed of the requests' contents
   */
  public record Config(double ratePerSecond, Duration duration, Duration warmup, int candidates, int items,
      int users, long seed) {
    /**
     * @throws IllegalArgumentException if a number is out of range
     */
    public Config {
      require(ratePerSecond > 0 && ratePerSecond <= 100_000, "--rate must be within (0, 100000], got " + ratePerSecond);
      require(!duration.isNegative() && !duration.isZero(), "--seconds must be positive");
      require(!warmup.isNegative(), "--warmup-seconds must not be negative");
      require(candidates >= 1 && candidates <= items, "--candidates must be within 1..items (" + items + "), got "
          + candidates);
      require(users >= 1, "users must be at least 1");
    }

    private static void require(boolean condition, String message) {
      if (!condition) {
        throw new IllegalArgumentException(message);
      }
    }
  }

  /**
   * What the measured part of a run achieved.
   *
   * @param sent requests sent while measuring
   * @param ok of those, answered with HTTP 200
   * @param failed answered otherwise or not at all
   * @param seconds from the first measured request's due time to the last answer
   * @param p50Millis median latency of the OK answers
   * @param p95Millis 95th percentile
   * @param p99Millis 99th percentile
   * @param maxMillis slowest
   */
  public record Result(long sent, long ok, long failed, double seconds, double p50Millis, double p95Millis,
      double p99Millis, double maxMillis) {
    /** OK answers per second. */
    public double throughput() {
      return ok / Math.max(seconds, 1e-9);
    }
  }

  private ServeLoad() {}

  /**
   * Sends the load of {@code config} to the rank endpoint {@code url} and waits for every answer (at most
   * 30 s after the last request).
   */
  public static Result run(URI url, Config config) throws InterruptedException {
    ExecutorService callbacks = Executors.newFixedThreadPool(2, runnable -> {
      Thread thread = new Thread(runnable, "flywheel-bench-client");
      thread.setDaemon(true);
      return thread;
    });
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(callbacks)
        .connectTimeout(Duration.ofSeconds(5)).build();
    long period = (long) (1e9 / config.ratePerSecond());
    long warmupRequests = config.warmup().toNanos() / period;
    int measured = (int) Math.min(Integer.MAX_VALUE - 8, config.duration().toNanos() / period);
    long[] latencies = new long[measured];
    Arrays.fill(latencies, -1);
    AtomicLong failed = new AtomicLong();
    AtomicLong lastAnswer = new AtomicLong();
    CountDownLatch answered = new CountDownLatch(measured);
    SplittableRandom random = new SplittableRandom(config.seed());
    long start = System.nanoTime();
    long measureFrom = start + warmupRequests * period;
    try {
      for (long i = 0; i < warmupRequests + measured; i++) {
        long due = start + i * period;
        byte[] body = body(config, random, i);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        int slot = (int) (i - warmupRequests);
        HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
          if (slot < 0) {
            return;
          }
          long now = System.nanoTime();
          if (error == null && response.statusCode() == 200) {
            latencies[slot] = now - due;
          } else {
            failed.incrementAndGet();
          }
          lastAnswer.accumulateAndGet(now, Math::max);
          answered.countDown();
        });
      }
      answered.await(30, TimeUnit.SECONDS);
    } finally {
      callbacks.shutdownNow();
    }
    long[] ok = Arrays.stream(latencies).filter(latency -> latency >= 0).sorted().toArray();
    double seconds = (Math.max(lastAnswer.get(), measureFrom) - measureFrom) / 1e9;
    return new Result(measured, ok.length, measured - ok.length, seconds, ServerMetrics.percentile(ok, 0.50),
        ServerMetrics.percentile(ok, 0.95), ServerMetrics.percentile(ok, 0.99), ok.length == 0 ? 0 : ok[ok.length - 1] / 1e6);
  }

  private static byte[] body(Config config, SplittableRandom random, long number) {
    StringBuilder json = new StringBuilder(32 + 12 * config.candidates());
    json.append("{\"request_id\":\"bench-").append(number).append("\",\"user_id\":\"u-")
        .append(random.nextInt(config.users())).append("\",\"surface\":\"recommendation\",\"candidates\":[");
    int first = random.nextInt(config.items());
    int step = 1 + random.nextInt(Math.max(1, config.items() / config.candidates()));
    boolean[] taken = new boolean[config.items()];
    int written = 0;
    for (int k = first; written < config.candidates(); k = (k + step) % config.items()) {
      while (taken[k]) {
        k = (k + 1) % config.items();
      }
      taken[k] = true;
      json.append(written++ == 0 ? "\"i-" : ",\"i-").append(k).append('"');
    }
    return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }
}
