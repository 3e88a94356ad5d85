package dev.flywheel.app;

import dev.flywheel.lakehouse.LakehouseException;
import dev.flywheel.training.ModelRegistry;
import dev.flywheel.training.ModelVersion;
import dev.flywheel.training.TrainConfig;
import dev.flywheel.training.TrainJob;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Trains a candidate, gates it against the champion and registers it. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train LR + XGBoost + stack on gold.training_examples, gate against the champion, register in "
        + "ml.model_versions; incremental unless --full; recorded in the run ledger.")
final class TrainCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Option(names = "--full", description = "Train on every example instead of the new ones plus a replay sample.")
  boolean full;

  @Option(names = "--label", defaultValue = "clicked", paramLabel = "clicked|positive",
      description = "Label to predict (default: ${DEFAULT-VALUE}).")
  String label;

  @Option(names = "--replay-ratio", defaultValue = "0.2", description = "Share of older examples replayed (default: ${DEFAULT-VALUE}).")
  double replayRatio;

  @Option(names = "--validation-fraction", defaultValue = "0.15", description = "Time share for the stack (default: ${DEFAULT-VALUE}).")
  double validationFraction;

  @Option(names = "--holdout-fraction", defaultValue = "0.15", description = "Latest time share for evaluation (default: ${DEFAULT-VALUE}).")
  double holdoutFraction;

  @Option(names = "--auc-epsilon", defaultValue = "0.005", description = "Allowed AUC drop vs the champion (default: ${DEFAULT-VALUE}).")
  double aucEpsilon;

  @Option(names = "--log-loss-delta", defaultValue = "0.01", description = "Allowed log-loss rise vs the champion (default: ${DEFAULT-VALUE}).")
  double logLossDelta;

  @Mixin
  XgboostOptions xgboost;

  @Option(names = "--no-refit",
      description = "After the stack is fitted on the validation slice, LR and XGBoost learn from it too, so the"
          + " served models know the freshest examples before the holdout; --no-refit serves the models the stack"
          + " was fitted on (default: refit).")
  boolean noRefit;

  @Option(names = "--until", paramLabel = "INSTANT",
      description = "Train as of a past time: only examples strictly before this ISO-8601 instant (e.g."
          + " 2026-11-20T00:00:00Z) are used; recorded, so --reproduce respects it.")
  Instant until;

  @Option(names = "--cold-start",
      description = "Start every learner from nothing instead of continuing the champion's models, on the same"
          + " window (the incremental one unless --full): beside a warm run, what warm start buys (default: warm).")
  boolean coldStart;

  @Option(names = "--reproduce", paramLabel = "V",
      description = "Retrain registered version V from its record (input table versions by time travel, stored"
          + " params, its parent as champion), register nothing, and compare the metrics; fails if they differ.")
  Long reproduce;

  @Override
  public void run() {
    if (reproduce != null) {
      reproduce(reproduce);
      return;
    }
    TrainConfig config = config();
    TrainJob.Result result = TrainJob.run(flywheel.spark(), config);
    PrintWriter out = spec.commandLine().getOut();
    if (result.version().isEmpty()) {
      boolean hasChampion = ModelRegistry.onDelta(flywheel.spark(), flywheel.home().models()).champion().isPresent();
      out.println("train run " + result.run().sequence() + (hasChampion
          ? ": no new examples since the champion's window"
          : ": no training examples yet; gold.training_examples gets an impression once the features job's frontier"
              + " (the newest event time less 30 h by default) has passed it, see `flywheel tables`"));
    } else {
      ModelVersion v = result.version().get();
      out.printf("train run %d: v%d %s (%s): auc %.4f, log loss %.4f%n", result.run().sequence(), v.version(),
          v.status().stored(), v.gateReason(), v.metrics().get("auc"), v.metrics().get("log_loss"));
    }
    out.flush();
  }

  private void reproduce(long version) {
    TrainJob.Reproduction reproduction = TrainJob.reproduce(flywheel.spark(), flywheel.home().models(), version);
    Map<String, String> differences = reproduction.differences(1e-9);
    if (!differences.isEmpty()) {
      throw new LakehouseException("v" + version + " did not reproduce: " + differences);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf("v%d reproduced: %d metrics match (auc %.6f, log loss %.6f)%n", version,
        reproduction.version().metrics().size(), reproduction.metrics().get("auc"), reproduction.metrics().get("log_loss"));
    out.flush();
  }

  private TrainConfig config() {
    try {
      return new TrainConfig(label, full, replayRatio, validationFraction, holdoutFraction, aucEpsilon, logLossDelta,
          xgboost.settings(), flywheel.gpu, !noRefit, flywheel.home().models(), Optional.ofNullable(until), coldStart);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
