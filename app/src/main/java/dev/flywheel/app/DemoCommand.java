package dev.flywheel.app;

import dev.flywheel.features.FeatureConfig;
import dev.flywheel.features.FeatureTables;
import dev.flywheel.features.FeaturesJob;
import dev.flywheel.features.FeaturesResult;
import dev.flywheel.lakehouse.ReadMode;
import dev.flywheel.lakehouse.Tables;
import java.io.PrintWriter;
import picocli.CommandLine;
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
    CommandLine cli = spec.commandLine().getParent();
    out.println("== 1. lakehouse: create or migrate the catalog under " + flywheel.home().root());
    InitCommand.initialize(flywheel).forEach(change -> out.println("   " + change.describe()));
    out.println("== 2. features: bronze to silver and gold");
    if (flywheel.spark().table(Tables.FEEDBACK_EVENTS.qualifiedName()).isEmpty()) {
      out.println("   bronze.feedback_events is empty: nothing to turn into features yet");
    } else {
      FeaturesResult result = FeaturesJob.run(flywheel.spark(), FeatureTables.standard(), FeatureConfig.defaults(),
          ReadMode.INCREMENTAL);
      out.println("   run " + result.run().sequence() + ": " + result.run().rowsIn() + " bronze rows, "
          + result.examples() + " new training examples, frontier " + result.frontier() + ", feedback "
          + result.feedback());
      out.flush();
      cli.execute("sql", "SELECT request_id, item_id, user_id, event_time, session_id, clicked, purchased, rating"
          + " FROM " + Tables.IMPRESSIONS.qualifiedName() + " ORDER BY event_time DESC LIMIT 5");
      cli.execute("sql", "SELECT request_id, item_id, clicked, u_impressions, u_ctr, i_impressions, i_ctr,"
          + " i_avg_rating FROM " + Tables.TRAINING_EXAMPLES.qualifiedName() + " ORDER BY event_time DESC LIMIT 5");
    }
    out.println("== tables");
    out.flush();
    cli.execute("tables");
  }
}
