package dev.flywheel.pipelines.kafka;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * Sends string records to one topic asynchronously and, on {@link #close()}, waits for every
 * acknowledgement and fails if the broker refused any record. Records are never dropped silently.
 * Not thread-safe.
 */
public final class RecordSender implements AutoCloseable {
  private final KafkaProducer<String, String> producer;
  private final String topic;
  private final String bootstrapServers;
  private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
  private final AtomicLong failed = new AtomicLong();
  private long sent;

  /** A sender to {@code topic} on {@code bootstrapServers} with {@link FeedbackProducers}' settings. */
  public RecordSender(String bootstrapServers, String topic, String clientId) {
    this.producer = FeedbackProducers.create(bootstrapServers, clientId);
    this.topic = topic;
    this.bootstrapServers = bootstrapServers;
  }

  /**
   * Queues one record; {@code key} may be null (the producer then spreads records over partitions).
   *
   * @throws KafkaBrokerException if the broker cannot be reached within 15 s
   */
  public void send(String key, String value) {
    try {
      producer.send(new ProducerRecord<>(topic, key, value), (metadata, error) -> {
        if (error != null) {
          failed.incrementAndGet();
          firstFailure.compareAndSet(null, error);
        }
      });
    } catch (KafkaException e) {
      throw new KafkaBrokerException("Cannot send to topic " + topic + " on " + bootstrapServers + " ("
          + e.getMessage() + "); is a broker running there? Start the local one with flywheel kafka start", e);
    }
    sent++;
  }

  /** Records queued so far. */
  public long sent() {
    return sent;
  }

  /**
   * Waits for every queued record to be acknowledged and closes the producer.
   *
   * @throws KafkaBrokerException if the broker refused any record
   */
  @Override
  public void close() {
    producer.flush();
    producer.close();
    Exception failure = firstFailure.get();
    if (failure != null) {
      throw new KafkaBrokerException(failed.get() + " of " + sent + " records were not accepted by topic " + topic
          + " on " + bootstrapServers + ": " + failure.getMessage(), failure);
    }
  }
}
