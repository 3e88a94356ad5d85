package dev.flywheel.app;

import dev.flywheel.training.ModelRegistry;
import dev.flywheel.training.ModelVersion;
import java.io.PrintWriter;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Reads and changes the model registry: list, show, promote, rollback. */
@Command(name = "models", mixinStandardHelpOptions = true,
    description = "The model registry ml.model_versions: list, show V, promote V, rollback.")
final class ModelsCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand: list, show V, promote V or rollback");
  }

  private ModelRegistry registry() {
    return ModelRegistry.onDelta(flywheel.spark(), flywheel.home().models());
  }

  private PrintWriter out() {
    return spec.commandLine().getOut();
  }

  @Command(name = "list", description = "Every version: status, AUC, log loss, gate reason.")
  void list() {
    List<ModelVersion> versions = registry().list();
    if (versions.isEmpty()) {
      out().println("no model versions yet: `flywheel train` registers the first one");
    }
    for (ModelVersion v : versions) {
      out().printf("v%d  %-9s  auc %.4f  log_loss %.4f  %s%n", v.version(), v.status().stored(),
          v.metrics().getOrDefault("auc", Double.NaN), v.metrics().getOrDefault("log_loss", Double.NaN),
          v.gateReason());
    }
    out().flush();
  }

  @Command(name = "show", description = "One version with its lineage and every metric.")
  void show(@Parameters(paramLabel = "V") long version) {
    ModelVersion v = registry().get(version).orElseThrow(() -> new IllegalArgumentException(
        "No model version " + version + "; see `flywheel models list`"));
    PrintWriter out = out();
    out.println("version: " + v.version() + " (parent " + v.parentVersion() + "), status " + v.status().stored());
    out.println("label: " + v.label() + ", window " + v.trainFrom() + " .. " + v.trainTo());
    out.println("inputs: " + new TreeMap<>(v.inputVersions()) + ", code " + v.codeVersion());
    out.println("params: " + new TreeMap<>(v.params()));
    out.println("warm start: " + new TreeMap<>(v.warmStart()));
    out.println("gate: " + v.gateDecision() + " (" + v.gateReason() + ")");
    out.println("artifacts: " + v.artifactLocation() + ", promoted at " + v.promotedAt());
    new TreeMap<>(v.metrics()).forEach((k, value) -> out.printf("  %s = %.6f%n", k, value));
    out.flush();
  }

  @Command(name = "promote", description = "Make V the champion (fails if the champion changes meanwhile);"
      + " for the current champion, rewrite the server's pointer models/CHAMPION.json (a repair).")
  void promote(@Parameters(paramLabel = "V") long version) {
    ModelRegistry registry = registry();
    OptionalLong expected = registry.champion().map(c -> OptionalLong.of(c.version())).orElse(OptionalLong.empty());
    if (expected.isPresent() && expected.getAsLong() == version) {
      registry.publishChampion();
      out().println("v" + version + " is already the champion; " + registry.championPointer() + " rewritten");
    } else {
      registry.promote(version, expected);
      out().println("v" + version + " is the champion; " + registry.championPointer() + " points to it");
    }
    out().flush();
  }

  @Command(name = "rollback", description = "Put the previous champion back.")
  void rollback() {
    out().println("v" + registry().rollback().version() + " is the champion again");
    out().flush();
  }
}
