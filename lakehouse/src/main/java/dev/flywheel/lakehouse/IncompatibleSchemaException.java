package dev.flywheel.lakehouse;

/**
 * Thrown when a declared table schema cannot be reached from the stored one by adding columns: a
 * column was dropped, renamed or changed its type. Such a change needs a new table, never a silent
 * rebuild that would lose data.
 */
public final class IncompatibleSchemaException extends LakehouseException {
  private final String table;

  public IncompatibleSchemaException(String table, String detail) {
    super("Cannot migrate " + table + ": " + detail
        + "; only new columns are migrated in place. Declare a new table (or a new schema_version) instead.");
    this.table = table;
  }

  /** The fully qualified name of the table that could not be migrated. */
  public String table() {
    return table;
  }
}
