package dev.flywheel.lakehouse;

/** Thrown when a job reads a table that does not exist in the catalog. */
public final class TableNotFoundException extends LakehouseException {
  private final String table;

  public TableNotFoundException(String table) {
    super("Table " + table + " does not exist; run `flywheel init` to create the catalog.");
    this.table = table;
  }

  /** The fully qualified name that was not found. */
  public String table() {
    return table;
  }
}
