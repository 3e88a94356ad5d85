package dev.flywheel.pipelines.simulate;

/**
 * Where simulated records go: a JSON Lines file or a Kafka topic. Records arrive with the key the
 * contract asks for ({@code user_id}); invalid records are written as they are.
 */
public interface EventSink extends AutoCloseable {
  /** Writes one record; {@code key} is the user id, or null when the record has none. */
  void accept(String key, String json);

  /** Flushes and releases the output; fails if any record was not written. */
  @Override
  void close();
}
