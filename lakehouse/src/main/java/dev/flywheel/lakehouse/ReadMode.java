package dev.flywheel.lakehouse;

/** How a job plans its input ranges. */
public enum ReadMode {
  /** Only the versions committed since the job's last successful run. */
  INCREMENTAL,
  /** Every version from the first: a full recompute. */
  FULL
}
