package dev.flywheel.app;

import dev.flywheel.pipelines.ingest.BronzeWrites;
import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;

/** Prints what a batch landing stored. */
final class Landings {
  private Landings() {}

  static void print(CommandSpec spec, BronzeWrites.Landed landed, String what) {
    PrintWriter out = spec.commandLine().getOut();
    out.println(what + ": " + landed.validEvents() + " new events in bronze.feedback_events, "
        + landed.quarantined() + " new records in bronze.feedback_quarantine");
    out.flush();
  }
}
