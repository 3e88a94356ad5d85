package dev.flywheel.app;

import dev.flywheel.app.report.LoopReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Writes the closed loop's report: online CTR and offline metrics per model version, ingest lag. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Summarize the loop per model version (online CTR, lift over random, holdout metrics) and write"
        + " an HTML report with charts (default: <home>/reports/loop-report.html).")
final class ReportCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Option(names = "--output", paramLabel = "FILE", description = "Where to write the HTML report.")
  Path output;

  @Override
  public void run() {
    InitCommand.initialize(flywheel);
    PrintWriter out = spec.commandLine().getOut();
    out.print(write(flywheel, output));
    out.flush();
  }

  /** Writes the report and returns the summary text with the report's location; shared with the demo. */
  static String write(Flywheel flywheel, Path output) {
    LoopReport report = LoopReport.collect(flywheel.spark());
    Path file = report.writeHtml(output != null ? output
        : flywheel.home().reports().resolve("loop-report.html"));
    return report.summary() + "report: " + file.toAbsolutePath() + System.lineSeparator();
  }
}
