package dev.flywheel.app;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import dev.flywheel.lakehouse.RunLedger;
import dev.flywheel.lakehouse.RunRecord;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Shows the newest job runs from the ledger. */
@Command(name = "runs", mixinStandardHelpOptions = true,
    description = "Show recent job runs: what each read and wrote, by Delta version.")
final class RunsCommand implements Runnable {
  private static final StructType SCHEMA = new StructType()
      .add("run_id", StringType)
      .add("job", StringType)
      .add("sequence", LongType)
      .add("attempt", IntegerType)
      .add("status", StringType)
      .add("started_at", StringType)
      .add("seconds", StringType)
      .add("read", StringType)
      .add("wrote", StringType)
      .add("rows_in", LongType)
      .add("rows_out", LongType)
      .add("error", StringType);

  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Mixin
  PrintOptions print;

  @Option(names = "--job", paramLabel = "JOB", description = "Only runs of this job.")
  String job;

  @Option(names = "--last", paramLabel = "N", defaultValue = "20", description = "How many runs (default: ${DEFAULT-VALUE}).")
  int last;

  @Override
  public void run() {
    if (last < 1) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--last must be at least 1, was " + last);
    }
    List<Row> rows = RunLedger.onDelta(flywheel.spark()).recent(Optional.ofNullable(job), last).stream()
        .map(RunsCommand::toRow).toList();
    ResultPrinter.print(flywheel.spark().createDataFrame(rows, SCHEMA), print.format, print.limit,
        spec.commandLine().getOut());
  }

  private static Row toRow(RunRecord run) {
    String seconds = run.endedAt() == null ? null
        : String.format("%.1f", Duration.between(run.startedAt(), run.endedAt()).toMillis() / 1000.0);
    String read = run.inputs().stream().map(i -> i.table() + i.range()).collect(Collectors.joining(" "));
    String wrote = run.outputs().stream().map(o -> o.table() + "@" + o.version() + " (" + o.rows() + " rows)")
        .collect(Collectors.joining(" "));
    return RowFactory.create(run.runId().substring(0, 8), run.job(), run.sequence(), run.attempt(),
        run.status().stored(), run.startedAt().toString(), seconds, read, wrote, run.rowsIn(), run.rowsOut(),
        run.error());
  }
}
