package dev.flywheel.app;

import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Runs the whole loop on the embedded default; it grows with each capability. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the whole loop on the embedded default and print what it did.")
final class DemoCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    PrintWriter out = spec.commandLine().getOut();
    out.println("== 1. lakehouse: create or migrate the catalog under " + flywheel.home().root());
    InitCommand.initialize(flywheel).forEach(change -> out.println("   " + change.describe()));
    out.println("== tables");
    out.flush();
    spec.commandLine().getParent().execute("tables");
  }
}
