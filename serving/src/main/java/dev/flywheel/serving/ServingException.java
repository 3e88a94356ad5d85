package dev.flywheel.serving;

/**
 * The root of serving's own failures (an unreadable feature snapshot or pointer, a server that cannot
 * start). Unchecked; the message names the file or setting and what to do about it.
 */
public class ServingException extends RuntimeException {
  /** A failure described by {@code message}. */
  public ServingException(String message) {
    super(message);
  }

  /** A failure described by {@code message}, caused by {@code cause}. */
  public ServingException(String message, Throwable cause) {
    super(message, cause);
  }
}
