package dev.flywheel.app;

import dev.flywheel.lakehouse.FlywheelHome;
import dev.flywheel.lakehouse.SparkSessions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code flywheel} command line and the {@code spark-submit} entry point. It parses and
 * validates arguments before any Spark session exists, creates the session only for commands that
 * need one, and turns failures into one line on stderr and a non-zero exit code.
 */
@Command(
    name = "flywheel",
    mixinStandardHelpOptions = true,
    versionProvider = Flywheel.Version.class,
    description = "Feedback to ranking models, continuously: ingest, features, training and serving on Spark + Delta.",
    subcommands = {
        InitCommand.class,
        TablesCommand.class,
        SqlCommand.class,
        RunsCommand.class,
        MaintainCommand.class,
        KafkaCommand.class,
        PublishCommand.class,
        SimulateCommand.class,
        IngestCommand.class,
        BackfillCommand.class,
        QuarantineCommand.class,
        ImportCommand.class,
        BenchCommand.class,
        DescribeCommand.class,
        FeaturesCommand.class,
        TrainCommand.class,
        ServeCommand.class,
        ModelsCommand.class,
        GpuCheckCommand.class,
        ReportCommand.class,
        DemoCommand.class,
    })
public final class Flywheel implements Runnable {
  /** Exit code of a command that failed while running (usage errors exit with 2). */
  public static final int FAILED = 1;

  @Spec
  CommandSpec spec;

  @Option(names = "--home", scope = ScopeType.INHERIT, paramLabel = "DIR",
      description = "Data root (default: $FLYWHEEL_HOME, else ./flywheel-data).")
  Path home;

  @Option(names = "--conf", scope = ScopeType.INHERIT, paramLabel = "KEY=VALUE",
      description = "A Spark setting, e.g. --conf spark.master=local[2]; repeatable.")
  Map<String, String> sparkConf = new LinkedHashMap<>();

  @Option(names = "--gpu", scope = ScopeType.INHERIT,
      description = "Run Spark SQL on GPUs with the RAPIDS Accelerator (its jar and GPUs must be on the cluster);"
          + " adds the settings of GPU_SETTINGS unless --conf sets them.")
  boolean gpu;

  /** The Spark settings {@code --gpu} adds: the RAPIDS plugin, on, one GPU per executor shared by 4 tasks. */
  static final Map<String, String> GPU_SETTINGS = Map.of(
      "spark.plugins", "com.nvidia.spark.SQLPlugin",
      "spark.rapids.sql.enabled", "true",
      "spark.rapids.sql.format.delta.write.enabled", "true",
      "spark.executor.resource.gpu.amount", "1",
      "spark.task.resource.gpu.amount", "0.25",
      "spark.rapids.memory.pinnedPool.size", "2G",
      "spark.sql.files.maxPartitionBytes", "512m");

  @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
      description = "Print the stack trace of a failure.")
  boolean verbose;

  private SparkSession session;

  /** Runs the CLI and exits the JVM with its exit code. */
  public static void main(String[] args) {
    Flywheel flywheel = new Flywheel();
    int exitCode = run(flywheel, new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    flywheel.stopSession();
    System.exit(exitCode);
  }

  /** Runs the CLI on {@code args} and returns the exit code (0 success, 1 failure, 2 usage). */
  static int run(Flywheel flywheel, PrintWriter out, PrintWriter err, String... args) {
    CommandLine commandLine = new CommandLine(flywheel).setOut(out).setErr(err);
    commandLine.setParameterExceptionHandler((error, parsedArgs) -> {
      CommandLine failed = error.getCommandLine();
      PrintWriter stderr = failed.getErr();
      stderr.println(error.getMessage());
      CommandLine.UnmatchedArgumentException.printSuggestions(error, stderr);
      failed.usage(stderr);
      return CommandLine.ExitCode.USAGE;
    });
    commandLine.setExecutionExceptionHandler((error, cmd, parsed) -> {
      PrintWriter stderr = cmd.getErr();
      stderr.println("flywheel " + cmd.getCommandName() + ": " + Failures.oneLine(error));
      if (flywheel.verbose) {
        error.printStackTrace(stderr);
      } else {
        stderr.println("(run with --verbose for the stack trace)");
      }
      stderr.flush();
      return FAILED;
    });
    return commandLine.execute(args);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing command");
  }

  /** The data root, from {@code --home} or the environment. */
  FlywheelHome home() {
    return home != null ? new FlywheelHome(home) : FlywheelHome.fromEnvironment(System.getenv());
  }

  /** The Spark session, created on first use with the embedded defaults and {@code --conf} settings. */
  SparkSession spark() {
    if (session == null) {
      Map<String, String> settings = new LinkedHashMap<>(sparkConf);
      if (gpu) {
        GPU_SETTINGS.forEach(settings::putIfAbsent);
      }
      session = SparkSessions.getOrCreate(home(), settings);
    }
    return session;
  }

  void stopSession() {
    if (session != null) {
      session.stop();
    }
  }

  /** Reports the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Flywheel.class.getPackage().getImplementationVersion();
      return new String[] {"flywheel " + (version == null ? "(development build)" : version)};
    }
  }
}
