package dev.flywheel.serving.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.serving.http.ServerMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * sent but not measured. {@link #runInChildJvm} runs it in a JVM of its own, so the generator's threads
 * and garbage collections do not share a heap with the server it measures.
 */
public final class ServeLoad {
  /**
   * The generator's JVM: a small heap and the serial collector (its few, short young collections keep
   * off the server's cores, where a concurrent collector would run threads beside the server's).
   */
  public static final List<String> CHILD_JVM_OPTIONS = List.of("-Xms256m", "-Xmx256m", "-XX:+UseSerialGC");
  private static final ObjectMapper JSON = new ObjectMapper();

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
   * {@link #run} in a child {@code java} on this JVM's classpath ({@link #CHILD_JVM_OPTIONS}), its
   * diagnostics on this process's standard error.
   *
   * @throws IllegalStateException if the child fails or prints no result
   */
  public static Result runInChildJvm(URI url, Config config) throws InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(CHILD_JVM_OPTIONS);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), ServeLoad.class.getName(), url.toString(),
        Double.toString(config.ratePerSecond()), Long.toString(config.duration().toMillis()),
        Long.toString(config.warmup().toMillis()), Integer.toString(config.candidates()),
        Integer.toString(config.items()), Integer.toString(config.users()), Long.toString(config.seed())));
    Process child;
    try {
      child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start the load generator's JVM: " + e.getMessage(), e);
    }
    try {
      String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      int exit = child.waitFor();
      if (exit != 0 || output.isEmpty()) {
        throw new IllegalStateException("The load generator's JVM exited with " + exit + " and printed '" + output
            + "'; its errors are above");
      }
      return JSON.readValue(output.substring(output.lastIndexOf('\n') + 1), Result.class);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the load generator's result: " + e.getMessage(), e);
    } finally {
      child.destroyForcibly();
    }
  }

  /**
   * The child JVM of {@link #runInChildJvm}: {@code <url> <rate> <duration ms> <warmup ms> <candidates>
   * <items> <users> <seed>}; prints the {@link Result} as one line of JSON.
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 8) {
      System.err.println("usage: ServeLoad <url> <rate> <duration-ms> <warmup-ms> <candidates> <items> <users> <seed>");
      System.exit(2);
    }
    // Ends with the benchmark that started it, should that one be killed.
    ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(3)));
    Config config = new Config(Double.parseDouble(args[1]), Duration.ofMillis(Long.parseLong(args[2])),
        Duration.ofMillis(Long.parseLong(args[3])), Integer.parseInt(args[4]), Integer.parseInt(args[5]),
        Integer.parseInt(args[6]), Long.parseLong(args[7]));
    System.out.println(JSON.writeValueAsString(run(URI.create(args[0]), config)));
  }

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
    boolean[] taken = new boolean[config.items()];
    long start = System.nanoTime();
    long measureFrom = start + warmupRequests * period;
    try {
      for (long i = 0; i < warmupRequests + measured; i++) {
        long due = start + i * period;
        byte[] body = body(config, random, i, taken);
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

  /** A request body; {@code taken} is all false on entry and on return (one array for every request). */
  private static byte[] body(Config config, SplittableRandom random, long number, boolean[] taken) {
    StringBuilder json = new StringBuilder(32 + 12 * config.candidates());
    json.append("{\"request_id\":\"bench-").append(number).append("\",\"user_id\":\"u-")
        .append(random.nextInt(config.users())).append("\",\"surface\":\"recommendation\",\"candidates\":[");
    int first = random.nextInt(config.items());
    int step = 1 + random.nextInt(Math.max(1, config.items() / config.candidates()));
    int[] chosen = new int[config.candidates()];
    int written = 0;
    for (int k = first; written < config.candidates(); k = (k + step) % config.items()) {
      while (taken[k]) {
        k = (k + 1) % config.items();
      }
      taken[k] = true;
      chosen[written] = k;
      json.append(written++ == 0 ? "\"i-" : ",\"i-").append(k).append('"');
    }
    for (int k : chosen) {
      taken[k] = false;
    }
    return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }
}
