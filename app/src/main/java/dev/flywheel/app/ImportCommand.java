package dev.flywheel.app;

import dev.flywheel.pipelines.ingest.BronzeWrites;
import dev.flywheel.pipelines.ingest.MovieLensImport;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Imports public datasets as contract events. */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Import a public dataset as contract events (movielens).",
    subcommands = {ImportCommand.MovieLensCommand.class})
final class ImportCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing dataset: movielens");
  }

  @Command(name = "movielens", mixinStandardHelpOptions = true,
      description = "Turn a MovieLens ratings.csv into impression, rating and click events and land them in bronze.")
  static final class MovieLensCommand implements Runnable {
    @ParentCommand
    ImportCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "DIR",
        description = "A MovieLens folder with ratings.csv, e.g. ../shared/data/movielens-latest-small.")
    Path input;

    @Override
    public void run() {
      if (!input.resolve("ratings.csv").toFile().isFile()) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "No ratings.csv in " + input + " (expected a MovieLens folder such as ml-latest-small)");
      }
      BronzeWrites.Landed landed = MovieLensImport.run(parent.flywheel.spark(), input);
      Landings.print(spec, landed, "import of " + input.resolve("ratings.csv"));
    }
  }
}
