package dev.flywheel.lakehouse;

/**
 * What {@code flywheel tables} shows for one table. Immutable.
 *
 * @param table fully qualified name
 * @param version latest Delta version
 * @param rows current row count
 * @param sizeBytes bytes of the current snapshot's data files
 * @param files data files of the current snapshot
 */
public record TableStatus(String table, long version, long rows, long sizeBytes, long files) {}
