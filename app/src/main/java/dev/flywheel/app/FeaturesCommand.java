package dev.flywheel.app;

import dev.flywheel.features.FeatureConfig;
import dev.flywheel.features.FeatureTables;
import dev.flywheel.features.FeaturesJob;
import dev.flywheel.features.FeaturesJob.Scope;
import dev.flywheel.features.FeaturesResult;
import dev.flywheel.features.OnlineSnapshot;
import dev.flywheel.lakehouse.ReadMode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Turns new bronze events into silver impressions and gold features and training examples. */
@Command(name = "features", mixinStandardHelpOptions = true,
    description = "Bronze to silver.impressions to gold features and point-in-time training examples; "
        + "incremental unless --full; recorded in the run ledger. When gold changed, exports the online feature "
        + "snapshot FLYWHEEL_HOME/online/snapshot-<gold version>/ and repoints online/CURRENT.json.")
final class FeaturesCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Option(names = "--full", description = "Recompute silver and gold from the whole of bronze.")
  boolean full;

  @Option(names = "--silver-only",
      description = "Only attribute the new feedback to silver.impressions (online CTR per model version) and record"
          + " the watermark; gold and the online snapshot stay as they are until the next run without this option,"
          + " which builds what this one skipped.")
  boolean silverOnly;

  @Option(names = "--export-online-only",
      description = "Only export the online feature snapshot of the current gold (no job run).")
  boolean exportOnlineOnly;

  @Option(names = "--click-window-minutes", paramLabel = "N", defaultValue = "30",
      description = "A click counts within this many minutes of its impression (default: ${DEFAULT-VALUE}).")
  long clickWindowMinutes;

  @Option(names = "--purchase-window-hours", paramLabel = "N", defaultValue = "24",
      description = "A purchase, rating or dwell counts within this many hours (default: ${DEFAULT-VALUE}).")
  long purchaseWindowHours;

  @Option(names = "--lateness-hours", paramLabel = "N", defaultValue = "6",
      description = "Events committed later than their window plus this do not count (default: ${DEFAULT-VALUE}).")
  long latenessHours;

  @Option(names = "--session-gap-minutes", paramLabel = "N", defaultValue = "30",
      description = "A session ends after this much inactivity (default: ${DEFAULT-VALUE}).")
  long sessionGapMinutes;

  @Option(names = "--half-lives", paramLabel = "D,D,D", split = ",", defaultValue = "PT1H,P1D,P7D",
      description = "Short, mid and long half-lives of the decayed counts, ISO-8601 (default: ${DEFAULT-VALUE}).")
  List<Duration> halfLives = new ArrayList<>();

  @Option(names = "--prior-strength", paramLabel = "M", defaultValue = "20",
      description = "Weight of the global rate in the smoothed rates (default: ${DEFAULT-VALUE}).")
  double priorStrength;

  @Option(names = "--hash-buckets", paramLabel = "N", defaultValue = "1048576",
      description = "Buckets of the hashed user and item ids (default: ${DEFAULT-VALUE}).")
  int hashBuckets;

  @Override
  public void run() {
    FeatureConfig config = config();
    PrintWriter out = spec.commandLine().getOut();
    Path online = flywheel.home().online();
    if (exportOnlineOnly) {
      if (full) {
        throw new ParameterException(spec.commandLine(), "--export-online-only runs no job: drop --full");
      }
      Optional<Path> snapshot = OnlineSnapshot.export(flywheel.spark(), FeatureTables.standard(), online);
      out.println(snapshot.map(folder -> "online feature snapshot written: " + folder)
          .orElse("online feature snapshot unchanged (gold has no frontier yet, or its version is exported)"));
      out.flush();
      return;
    }
    if (full && silverOnly) {
      throw new ParameterException(spec.commandLine(), "--full empties gold and rebuilds it: drop --silver-only");
    }
    FeaturesResult result = FeaturesJob.run(flywheel.spark(), FeatureTables.standard(), config,
        full ? ReadMode.FULL : ReadMode.INCREMENTAL, silverOnly ? Scope.SILVER : Scope.SILVER_AND_GOLD, online);
    out.println("features run " + result.run().sequence() + " (attempt " + result.run().attempt() + "): "
        + result.run().rowsIn() + " bronze rows read, " + result.examples() + " training examples written, "
        + "gold frontier " + result.frontier());
    for (Map.Entry<String, Long> outcome : new TreeMap<>(result.feedback()).entrySet()) {
      out.println("  " + outcome.getKey() + ": " + outcome.getValue());
    }
    out.flush();
  }

  private FeatureConfig config() {
    try {
      return new FeatureConfig(Duration.ofMinutes(clickWindowMinutes), Duration.ofHours(purchaseWindowHours),
          Duration.ofHours(latenessHours), Duration.ofMinutes(sessionGapMinutes), halfLives, priorStrength,
          hashBuckets);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
