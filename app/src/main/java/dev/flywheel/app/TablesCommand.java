package dev.flywheel.app;

import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import dev.flywheel.lakehouse.TableCatalog;
import dev.flywheel.lakehouse.TableSpec;
import dev.flywheel.lakehouse.TableStatus;
import dev.flywheel.lakehouse.Tables;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Lists the catalog's tables with their Delta version, row count and size. */
@Command(name = "tables", mixinStandardHelpOptions = true,
    description = "List every table with its Delta version, row count and size.")
final class TablesCommand implements Runnable {
  private static final StructType SCHEMA = new StructType()
      .add("table", StringType)
      .add("version", LongType)
      .add("rows", LongType)
      .add("size", StringType)
      .add("files", LongType)
      .add("description", StringType);

  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Mixin
  PrintOptions print;

  @Override
  public void run() {
    SparkSession spark = flywheel.spark();
    ResultPrinter.print(statuses(spark), print.format, print.limit, spec.commandLine().getOut());
  }

  /** Prints every table's status as an aligned table. */
  static void printTables(SparkSession spark, java.io.PrintWriter out) {
    ResultPrinter.print(statuses(spark), OutputFormat.TABLE, Tables.all().size(), out);
  }

  private static org.apache.spark.sql.Dataset<Row> statuses(SparkSession spark) {
    List<Row> rows = new ArrayList<>();
    for (TableSpec table : Tables.all()) {
      if (!spark.catalog().tableExists(table.qualifiedName())) {
        rows.add(RowFactory.create(table.qualifiedName(), null, null, "missing: run flywheel init", null,
            table.comment()));
        continue;
      }
      TableStatus status = TableCatalog.status(spark, table.qualifiedName());
      rows.add(RowFactory.create(status.table(), status.version(), status.rows(), humanBytes(status.sizeBytes()),
          status.files(), table.comment()));
    }
    return spark.createDataFrame(rows, SCHEMA);
  }

  static String humanBytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    int unit = (63 - Long.numberOfLeadingZeros(bytes)) / 10;
    return String.format("%.1f %siB", bytes / Math.pow(1024, unit), "KMGTPE".charAt(unit - 1));
  }
}
