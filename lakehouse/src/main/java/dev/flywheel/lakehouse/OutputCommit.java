package dev.flywheel.lakehouse;

import java.util.Objects;

/**
 * The Delta version that holds one run's write to an output table. Immutable.
 *
 * @param table fully qualified output table
 * @param version Delta version of the write
 * @param rows rows the write added or changed (from Delta's operation metrics)
 */
public record OutputCommit(String table, long version, long rows) {
  public OutputCommit {
    Objects.requireNonNull(table, "table");
  }
}
