package dev.flywheel.app;

import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Builds a job's configuration at the edge, turning its validation errors into usage errors (exit 2). */
final class Arguments {
  private Arguments() {}

  static <T> T valid(CommandSpec spec, Supplier<T> config) {
    try {
      return config.get();
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
