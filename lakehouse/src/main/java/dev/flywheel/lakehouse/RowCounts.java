package dev.flywheel.lakehouse;

/**
 * Rows a run read and wrote. Immutable.
 *
 * @param in rows read
 * @param out rows written
 */
public record RowCounts(long in, long out) {}
