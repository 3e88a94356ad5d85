package dev.flywheel.lakehouse;

import java.util.List;

/**
 * What {@link TableCatalog#ensure} did to one table. Immutable.
 *
 * @param table fully qualified name
 * @param kind created, migrated or unchanged
 * @param addedColumns columns a migration added
 * @param changedProperties property keys a migration set
 */
public record TableChange(String table, Kind kind, List<String> addedColumns, List<String> changedProperties) {
  /** The three outcomes of ensuring a table. */
  public enum Kind { CREATED, MIGRATED, UNCHANGED }

  public TableChange {
    addedColumns = List.copyOf(addedColumns);
    changedProperties = List.copyOf(changedProperties);
  }

  /** One line for the operator, e.g. {@code bronze.feedback_events: migrated (+columns [x])}. */
  public String describe() {
    return switch (kind) {
      case CREATED -> table + ": created";
      case UNCHANGED -> table + ": unchanged";
      case MIGRATED -> table + ": migrated (+columns " + addedColumns + ", properties " + changedProperties + ")";
    };
  }
}
