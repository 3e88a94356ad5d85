package dev.flywheel.lakehouse;

/**
 * An inclusive range of Delta table versions a job consumes. Immutable. Empty when there is
 * nothing new: {@code fromVersion > toVersion}.
 *
 * @param fromVersion first version to read, inclusive
 * @param toVersion last version to read, inclusive
 */
public record VersionRange(long fromVersion, long toVersion) {
  public VersionRange {
    if (fromVersion < 0) {
      throw new IllegalArgumentException("fromVersion must be >= 0, was " + fromVersion);
    }
  }

  /** The range of versions after {@code lastConsumed} up to {@code latest}. */
  public static VersionRange after(long lastConsumed, long latest) {
    return new VersionRange(lastConsumed + 1, latest);
  }

  /** True when the range holds no version. */
  public boolean isEmpty() {
    return fromVersion > toVersion;
  }

  @Override
  public String toString() {
    return isEmpty() ? "(none)" : "[" + fromVersion + ".." + toVersion + "]";
  }
}
