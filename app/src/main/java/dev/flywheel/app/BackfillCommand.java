package dev.flywheel.app;

import dev.flywheel.pipelines.ingest.Backfill;
import dev.flywheel.pipelines.ingest.BronzeWrites;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Loads historical logs through the contract's validation into bronze. */
@Command(name = "backfill", mixinStandardHelpOptions = true,
    description = "Load JSON Lines (plain or .gz) or Parquet files into bronze through the same validation as the stream.")
final class BackfillCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Option(names = "--input", required = true, paramLabel = "PATH",
      description = "A file, a folder or a glob, e.g. 'logs/2026-11-*.jsonl.gz'; any Hadoop path (s3a://, hdfs://).")
  String input;

  @Override
  public void run() {
    Backfill.Config config = Arguments.valid(spec, () -> new Backfill.Config(input));
    BronzeWrites.Landed landed = Backfill.run(flywheel.spark(), config);
    Landings.print(spec, landed, "backfill of " + input);
  }
}
