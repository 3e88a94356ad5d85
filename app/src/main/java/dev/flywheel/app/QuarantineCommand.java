package dev.flywheel.app;

import dev.flywheel.pipelines.contract.FeedbackValidation;
import dev.flywheel.pipelines.ingest.BronzeWrites;
import dev.flywheel.pipelines.ingest.QuarantineReplay;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Inspects and replays the quarantine. */
@Command(name = "quarantine", mixinStandardHelpOptions = true,
    description = "Inspect (list) and replay quarantined records.",
    subcommands = {QuarantineCommand.ListCommand.class, QuarantineCommand.ReplayCommand.class})
final class QuarantineCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand: list or replay");
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Counts by reason (all and still open), with a sample record of each.")
  static final class ListCommand implements Runnable {
    @ParentCommand
    QuarantineCommand parent;

    @Spec
    CommandSpec spec;

    @Mixin
    PrintOptions print;

    @Override
    public void run() {
      ResultPrinter.print(QuarantineReplay.summary(parent.flywheel.spark()), print.format, print.limit,
          spec.commandLine().getOut());
    }
  }

  @Command(name = "replay", mixinStandardHelpOptions = true,
      description = "Re-validate open quarantined records and land the now-valid ones exactly once.")
  static final class ReplayCommand implements Runnable {
    @ParentCommand
    QuarantineCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--reason", paramLabel = "REASON", description = "Only records quarantined for this reason.")
    String reason;

    @Override
    public void run() {
      List<String> reasons = Arrays.stream(FeedbackValidation.Reason.values()).map(FeedbackValidation.Reason::code)
          .toList();
      if (reason != null && !reasons.contains(reason)) {
        throw new ParameterException(spec.commandLine(),
            "Unknown --reason '" + reason + "'; the reasons are " + String.join(", ", reasons));
      }
      BronzeWrites.Landed landed = QuarantineReplay.replay(parent.flywheel.spark(), Optional.ofNullable(reason));
      Landings.print(spec, landed, "replay" + (reason == null ? "" : " of " + reason));
    }
  }
}
