package dev.flywheel.lakehouse;

import java.util.Locale;

/** State of a job run in the ledger. */
public enum RunStatus {
  RUNNING, SUCCEEDED, FAILED;

  /** The lower-case name stored in {@code ops.job_runs.status}. */
  public String stored() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a stored status. */
  public static RunStatus fromStored(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
