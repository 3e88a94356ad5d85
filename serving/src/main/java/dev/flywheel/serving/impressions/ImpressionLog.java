package dev.flywheel.serving.impressions;

import dev.flywheel.serving.rank.RankRequest;
import dev.flywheel.serving.rank.RankResult;
import java.util.Map;

/** Where the server records what it showed: one impression event per ranked item. Thread-safe. */
public interface ImpressionLog extends AutoCloseable {
  /** Records the impressions of {@code result}, without waiting for them to be stored. */
  void log(RankRequest request, RankResult result);

  /** Counters for the metrics endpoint, e.g. events sent, failed and dropped. */
  Map<String, Long> counts();

  /** Waits for the recorded impressions to be stored and releases the log. */
  @Override
  void close();

  /** A log that records nothing ({@code --no-impressions}). */
  static ImpressionLog disabled() {
    return new ImpressionLog() {
      @Override
      public void log(RankRequest request, RankResult result) {}

      @Override
      public Map<String, Long> counts() {
        return Map.of();
      }

      @Override
      public void close() {}
    };
  }
}
