package dev.flywheel.lakehouse;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;

/** Builds documented columns: every column of the catalog says what it means. */
public final class Columns {
  private Columns() {}

  /** A nullable column with its meaning as the column comment. */
  public static StructField optional(String name, DataType type, String meaning) {
    return new StructField(name, type, true, Metadata.empty()).withComment(meaning);
  }

  /** A non-null column (Delta enforces it as a NOT NULL constraint on every write). */
  public static StructField required(String name, DataType type, String meaning) {
    return new StructField(name, type, false, Metadata.empty()).withComment(meaning);
  }
}
