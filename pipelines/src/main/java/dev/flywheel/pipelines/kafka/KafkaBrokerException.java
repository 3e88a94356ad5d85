package dev.flywheel.pipelines.kafka;

/**
 * A local broker or publishing operation that failed for a known reason: jars not built, a port
 * taken, a broker that did not come up, a missing input file, records the broker refused. Unchecked;
 * the message names the object and the next step.
 */
public class KafkaBrokerException extends RuntimeException {
  public KafkaBrokerException(String message) {
    super(message);
  }

  public KafkaBrokerException(String message, Throwable cause) {
    super(message, cause);
  }
}
