package dev.flywheel.serving.http;

import dev.flywheel.serving.ServingException;

/** A ranking request the server refuses with HTTP 400; the message tells the caller what to fix. */
public final class BadRequestException extends ServingException {
  /** A refusal explained by {@code message}. */
  public BadRequestException(String message) {
    super(message);
  }
}
