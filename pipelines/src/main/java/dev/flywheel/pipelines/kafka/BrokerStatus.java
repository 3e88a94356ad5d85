package dev.flywheel.pipelines.kafka;

import java.util.List;
import java.util.Objects;

/**
 * What {@link KafkaBroker#status()} found: whether the broker of a data root runs, as which process,
 * where clients reach it and which topics it holds. Immutable.
 *
 * @param running whether the process named by the pid file is alive and is a Kafka broker
 * @param pid its process id, or -1 when not running
 * @param bootstrapServers where clients connect ({@code 127.0.0.1:port})
 * @param topics the non-internal topics, by name, empty when not running
 */
public record BrokerStatus(boolean running, long pid, String bootstrapServers, List<TopicSummary> topics) {
  public BrokerStatus {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    topics = List.copyOf(topics);
  }

  /** A stopped broker that clients would reach at {@code bootstrapServers}. */
  public static BrokerStatus stopped(String bootstrapServers) {
    return new BrokerStatus(false, -1, bootstrapServers, List.of());
  }

  /**
   * One topic of the broker.
   *
   * @param name the topic
   * @param partitions its partition count
   */
  public record TopicSummary(String name, int partitions) {
    public TopicSummary {
      Objects.requireNonNull(name, "name");
    }
  }
}
