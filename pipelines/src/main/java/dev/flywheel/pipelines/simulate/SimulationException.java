package dev.flywheel.pipelines.simulate;

/**
 * A simulation that cannot go on: an unusable configuration, a ranking endpoint that fails or answers
 * with items it was not asked about, an output that cannot be written. Unchecked; the message names
 * the object and the next step.
 */
public class SimulationException extends RuntimeException {
  public SimulationException(String message) {
    super(message);
  }

  public SimulationException(String message, Throwable cause) {
    super(message, cause);
  }
}
