package dev.flywheel.app;

import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import dev.flywheel.lakehouse.Maintenance;
import dev.flywheel.lakehouse.ReadMode;
import dev.flywheel.lakehouse.RowCounts;
import dev.flywheel.lakehouse.RunLedger;
import dev.flywheel.lakehouse.TableSpec;
import dev.flywheel.lakehouse.Tables;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Compacts (OPTIMIZE, ZORDER where declared) and vacuums the catalog's tables. */
@Command(name = "maintain", mixinStandardHelpOptions = true,
    description = "OPTIMIZE (ZORDER where declared) and VACUUM the tables; retention never below 7 days by default.")
final class MaintainCommand implements Runnable {
  private static final StructType SCHEMA = new StructType()
      .add("table", StringType)
      .add("zorder_by", StringType)
      .add("files_added", LongType)
      .add("files_removed", LongType);

  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Option(names = "--retention-hours", paramLabel = "HOURS", defaultValue = "168",
      description = "VACUUM keeps files newer than this (default: ${DEFAULT-VALUE} h = 7 days).")
  long retentionHours;

  @Option(names = "--allow-short-retention",
      description = "Allow a retention below 7 days (it can break running readers and time travel).")
  boolean allowShortRetention;

  @Option(names = "--table", paramLabel = "DB.TABLE", description = "Only this table; repeatable (default: all).")
  List<String> only = new ArrayList<>();

  @Override
  public void run() {
    Duration retention = Duration.ofHours(retentionHours);
    if (retentionHours < 0) {
      throw new ParameterException(spec.commandLine(), "--retention-hours must not be negative");
    }
    Maintenance.checkRetention(retention, allowShortRetention);
    List<TableSpec> tables = selectedTables();
    List<Row> rows = new ArrayList<>();
    RunLedger.onDelta(flywheel.spark()).execute("maintain", ReadMode.FULL, List.of(),
        Map.of("retention_hours", Long.toString(retentionHours), "tables", tables.toString()), run -> {
          for (Maintenance.Result result : Maintenance.run(run.spark(), tables, retention, allowShortRetention)) {
            rows.add(RowFactory.create(result.table(), String.join(",", result.zorderBy()), result.filesAdded(),
                result.filesRemoved()));
          }
          return new RowCounts(0, 0);
        });
    ResultPrinter.print(flywheel.spark().createDataFrame(rows, SCHEMA), OutputFormat.TABLE, rows.size() + 1,
        spec.commandLine().getOut());
  }

  private List<TableSpec> selectedTables() {
    if (only.isEmpty()) {
      return Tables.all();
    }
    List<TableSpec> selected = new ArrayList<>();
    for (String name : only) {
      selected.add(Tables.all().stream().filter(t -> t.qualifiedName().equals(name)).findFirst()
          .orElseThrow(() -> new ParameterException(spec.commandLine(), "Unknown table " + name + "; known: "
              + Tables.all().stream().map(TableSpec::qualifiedName).toList())));
    }
    return selected;
  }
}
