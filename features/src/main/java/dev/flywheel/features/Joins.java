package dev.flywheel.features;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/** Column-name plumbing between Java arrays and Spark's Scala signatures. */
final class Joins {
  private Joins() {}

  static Seq<String> on(String... columns) {
    return on(Arrays.asList(columns));
  }

  static Seq<String> on(List<String> columns) {
    return JavaConverters.asScalaBuffer(columns).toSeq();
  }

  /** The named columns, for {@code select}, {@code partitionBy} and {@code groupBy}. */
  static Column[] columns(String... names) {
    return Arrays.stream(names).map(functions::col).toArray(Column[]::new);
  }
}
