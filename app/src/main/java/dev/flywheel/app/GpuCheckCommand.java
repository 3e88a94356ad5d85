package dev.flywheel.app;

import dev.flywheel.features.FeatureConfig;
import dev.flywheel.features.FeatureQueries;
import dev.flywheel.features.FeatureTables;
import dev.flywheel.features.FeaturesException;
import dev.flywheel.features.GpuPlanCheck;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Plans every feature query with RAPIDS' explain-only API and lists what would stay on the CPU. */
@Command(name = "gpu-check", mixinStandardHelpOptions = true,
    description = "Plan every features query with the RAPIDS Accelerator (no GPU needed) and list each operator "
        + "that would fall back to the CPU, and why; Delta scans are listed on their own. Exit 1 on a fallback.")
final class GpuCheckCommand implements Runnable {
  @ParentCommand
  Flywheel flywheel;

  @Spec
  CommandSpec spec;

  @Option(names = "--rapids-jar", paramLabel = "JAR",
      description = "The rapids-4-spark_2.12 jar (default: the local Maven repository, where bin/fetch-rapids puts it).")
  Path rapidsJar;

  @Override
  public void run() {
    InitCommand.initialize(flywheel);
    GpuPlanCheck.Report report = GpuPlanCheck.check(
        FeatureQueries.all(flywheel.spark(), FeatureTables.standard(), FeatureConfig.defaults()),
        rapidsJar != null ? rapidsJar : GpuPlanCheck.defaultJar());
    PrintWriter out = spec.commandLine().getOut();
    report.scans().forEach(scan -> out.println("scan     " + scan.query() + ": " + scan.line()));
    report.fallbacks().forEach(fallback -> out.println("FALLBACK " + fallback.query() + ": " + fallback.line()));
    out.println(report.passes() ? "gpu-check: every operator above the scans can run on the GPU"
        : "gpu-check: " + report.fallbacks().size() + " lines would fall back to the CPU");
    out.flush();
    if (!report.passes()) {
      throw new FeaturesException(report.fallbacks().size() + " operators or expressions would fall back to the CPU;"
          + " see the FALLBACK lines");
    }
  }
}
