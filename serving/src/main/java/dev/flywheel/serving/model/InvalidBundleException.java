package dev.flywheel.serving.model;

/** A model bundle that cannot be read or does not follow the {@code flywheel-bundle/1} format. */
public final class InvalidBundleException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidBundleException(String message) {
    super(message);
  }

  public InvalidBundleException(String message, Throwable cause) {
    super(message, cause);
  }
}
