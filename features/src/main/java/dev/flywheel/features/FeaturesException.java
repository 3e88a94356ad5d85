package dev.flywheel.features;

/** The root of the features module's failures; the message names what failed and what to do next. */
public class FeaturesException extends RuntimeException {
  public FeaturesException(String message) {
    super(message);
  }

  public FeaturesException(String message, Throwable cause) {
    super(message, cause);
  }
}
