package dev.flywheel.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Runs one SQL statement against the catalog. */
@Command(name = "sql", mixinStandardHelpOptions = true,
    description = "Run one SQL statement against the catalog and print its result.")
final class SqlCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Mixin
  PrintOptions print;

  @Parameters(index = "0", paramLabel = "STATEMENT",
      description = "One SQL statement, e.g. \"SELECT event_type, count(*) FROM bronze.feedback_events GROUP BY 1\".")
  String statement;

  @Override
  public void run() {
    if (statement.isBlank()) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "STATEMENT is empty");
    }
    ResultPrinter.print(flywheel.spark().sql(statement), print.format, print.limit, spec.commandLine().getOut());
  }
}
