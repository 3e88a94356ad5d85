package dev.flywheel.serving.impressions;

import dev.flywheel.serving.rank.RankRequest;
import dev.flywheel.serving.rank.RankResult;
import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends impression events to the feedback topic, keyed by user id, with an idempotent producer that
 * waits for all replicas. Requests hand their rankings to one sender thread through a bounded queue,
 * so a slow or absent broker never blocks ranking: a ranking that finds the queue full is counted as
 * dropped and logged, and a send the broker refuses is counted as failed and logged. Thread-safe.
 */
public final class KafkaImpressionLog implements ImpressionLog {
  private static final System.Logger LOG = System.getLogger(KafkaImpressionLog.class.getName());
  /** Rankings waiting for the sender thread before new ones are dropped. */
  static final int QUEUE = 10_000;

  private final KafkaProducer<String, String> producer;
  private final String topic;
  private final ThreadPoolExecutor sender;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();

  /** A log to {@code topic} on {@code bootstrapServers}. */
  public KafkaImpressionLog(String bootstrapServers, String topic) {
    this.topic = Objects.requireNonNull(topic, "topic");
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    properties.put(ProducerConfig.CLIENT_ID_CONFIG, "flywheel-serve");
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    properties.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    properties.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    this.producer = new KafkaProducer<>(properties);
    this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), runnable -> {
      Thread thread = new Thread(runnable, "flywheel-impressions");
      thread.setDaemon(true);
      return thread;
    });
  }

  @Override
  public void log(RankRequest request, RankResult result) {
    try {
      sender.execute(() -> send(request, result));
    } catch (RejectedExecutionException e) {
      if (dropped.getAndAdd(result.items().size()) == 0) {
        LOG.log(Level.ERROR, "Dropping impressions: {0} rankings are waiting for topic {1}; is the broker up?",
            QUEUE, topic);
      }
    }
  }

  private void send(RankRequest request, RankResult result) {
    for (int position = 0; position < result.items().size(); position++) {
      try {
        producer.send(new ProducerRecord<>(topic, request.userId(), ImpressionEvents.toJson(request, result, position)),
            (metadata, error) -> {
              if (error == null) {
                sent.incrementAndGet();
              } else if (failed.getAndIncrement() == 0) {
                LOG.log(Level.ERROR, "Topic {0} refused an impression: {1}", topic, error.getMessage());
              }
            });
      } catch (RuntimeException e) {
        if (failed.getAndIncrement() == 0) {
          LOG.log(Level.ERROR, "Cannot send impressions to topic {0}: {1}", topic, e.getMessage());
        }
      }
    }
  }

  @Override
  public Map<String, Long> counts() {
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("sent", sent.get());
    counts.put("failed", failed.get());
    counts.put("dropped", dropped.get());
    counts.put("waiting_rankings", (long) sender.getQueue().size());
    return counts;
  }

  /** Sends what is queued, waits for every acknowledgement and closes the producer. */
  @Override
  public void close() {
    sender.shutdown();
    try {
      if (!sender.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.log(Level.ERROR, "{0} rankings' impressions were not sent within 30 s", sender.getQueue().size());
        sender.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.flush();
    producer.close();
  }
}
