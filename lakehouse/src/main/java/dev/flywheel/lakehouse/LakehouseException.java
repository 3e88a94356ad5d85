package dev.flywheel.lakehouse;

/**
 * Root of every error the lakehouse raises on purpose. Unchecked: callers that can act on a
 * specific failure catch the subclass that carries its context.
 */
public class LakehouseException extends RuntimeException {
  public LakehouseException(String message) {
    super(message);
  }

  public LakehouseException(String message, Throwable cause) {
    super(message, cause);
  }
}
