package dev.flywheel.lakehouse;

import java.util.Objects;

/**
 * The Delta versions of one input table a run consumed. Immutable.
 *
 * @param table fully qualified input table
 * @param range versions read, inclusive
 */
public record InputRange(String table, VersionRange range) {
  public InputRange {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(range, "range");
  }
}
