package dev.flywheel.app;

import dev.flywheel.lakehouse.SharedSpark;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** Runs the built application jar in a separate JVM, as a cluster or bin/flywheel would. */
final class ChildJvm {
  private ChildJvm() {}

  /** Spark's classpath without Flywheel's own classes: the application jar must bring those. */
  static String clusterClasspath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> !Path.of(entry).getFileName().toString().startsWith("flywheel-"))
        .filter(entry -> !entry.endsWith("classes") && !entry.contains("picocli"))
        .collect(Collectors.joining(File.pathSeparator));
  }

  /** {@code java <flags> -cp <classpath> <mainAndArgs>} with the Java 17 flags of the build. */
  static List<String> command(String classpath, List<String> mainAndArgs) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    command.add("-XX:+UseParallelGC"); // bin/flywheel's collector, and for its reason (README, "The command line")
    command.addAll(List.of(System.getProperty("flywheel.jvm.flags").split(" ")));
    command.add("-Dflywheel.kafka.lib=" + System.getProperty("flywheel.kafka.lib"));
    command.addAll(List.of("-cp", classpath));
    command.addAll(mainAndArgs);
    return command;
  }

  /** {@code --conf key=value} pairs of the Spark settings the tests run under ({@link SharedSpark}). */
  static List<String> testSparkConfs() {
    List<String> confs = new ArrayList<>(List.of("--conf", "spark.master=local[2]",
        "--conf", "spark.sql.shuffle.partitions=2"));
    SharedSpark.INTERPRETED_EXPRESSIONS.forEach((key, value) -> confs.addAll(List.of("--conf", key + "=" + value)));
    return confs;
  }

  /** Starts the CLI of the application jar on {@code home}, its output going to {@code log}. */
  static Process startCli(Path home, Path log, String... args) throws IOException {
    List<String> mainAndArgs = new ArrayList<>(List.of("dev.flywheel.app.Flywheel", "--home", home.toString()));
    mainAndArgs.addAll(testSparkConfs());
    mainAndArgs.addAll(List.of(args));
    String classpath = System.getProperty("flywheel.app.jar") + File.pathSeparator + clusterClasspath();
    Files.createDirectories(log.getParent());
    return new ProcessBuilder(command(classpath, mainAndArgs)).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
  }
}
