package dev.flywheel.lakehouse;

import java.time.Duration;

/** Thrown when VACUUM is asked for a retention below seven days without the explicit override. */
public final class RetentionTooShortException extends LakehouseException {
  private final Duration retention;

  public RetentionTooShortException(Duration retention) {
    super("Refusing to VACUUM with a retention of " + retention.toHours() + " h: below "
        + Maintenance.MIN_RETENTION.toHours() + " h it can delete files that running readers and time travel"
        + " still need. Pass --allow-short-retention to do it anyway.");
    this.retention = retention;
  }

  /** The retention that was asked for. */
  public Duration retention() {
    return retention;
  }
}
