package dev.flywheel.app;

import dev.flywheel.lakehouse.TableCatalog;
import dev.flywheel.lakehouse.TableChange;
import dev.flywheel.lakehouse.Tables;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Creates or migrates every table of the catalog; running it again changes nothing. */
@Command(name = "init", mixinStandardHelpOptions = true,
    description = "Create or migrate every table of the catalog (idempotent).")
final class InitCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    PrintWriter out = spec.commandLine().getOut();
    List<TableChange> changes = initialize(flywheel);
    changes.forEach(change -> out.println(change.describe()));
    out.println("catalog ready at " + flywheel.home().root());
    out.flush();
  }

  /** Ensures the whole catalog; shared by every command that needs the tables to exist. */
  static List<TableChange> initialize(Flywheel flywheel) {
    return TableCatalog.ensureAll(flywheel.spark(), Tables.all());
  }
}
