package dev.flywheel.serving.http;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Ranking requests counted by HTTP status, and the latency percentiles of the most recent
 * {@value #WINDOW} of them (a ring, so the figures follow the current load). Thread-safe and lock-free
 * on the request path.
 */
public final class ServerMetrics {
  /** Latencies kept for the percentiles. */
  static final int WINDOW = 4096;

  private final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
  private final AtomicLongArray latencyNanos = new AtomicLongArray(WINDOW);
  private final AtomicLong recorded = new AtomicLong();

  /** Counts one ranking request answered with {@code status} after {@code nanos}. */
  public void record(int status, long nanos) {
    byStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
    long slot = recorded.getAndIncrement();
    latencyNanos.set((int) (slot % WINDOW), nanos);
  }

  /** Requests by status, e.g. {@code {"200": 10, "400": 1}}. */
  public Map<String, Long> counts() {
    Map<String, Long> counts = new TreeMap<>();
    byStatus.forEach((status, count) -> counts.put(Integer.toString(status), count.sum()));
    return counts;
  }

  /** The recent window's latency percentiles in milliseconds ({@code p50}, {@code p95}, {@code p99}) and its size. */
  public Map<String, Double> latencyMillis() {
    int size = (int) Math.min(recorded.get(), WINDOW);
    long[] sorted = new long[size];
    for (int i = 0; i < size; i++) {
      sorted[i] = latencyNanos.get(i);
    }
    Arrays.sort(sorted);
    Map<String, Double> latency = new TreeMap<>();
    latency.put("window", (double) size);
    latency.put("p50", percentile(sorted, 0.50));
    latency.put("p95", percentile(sorted, 0.95));
    latency.put("p99", percentile(sorted, 0.99));
    return latency;
  }

  /** The nearest-rank percentile {@code q} of {@code sorted} nanoseconds, in milliseconds; 0 when empty. */
  public static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0.0;
    }
    int rank = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, rank)] / 1e6;
  }
}
