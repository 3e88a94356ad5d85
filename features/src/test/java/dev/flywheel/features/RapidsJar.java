package dev.flywheel.features;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The RAPIDS jar for the plan-check tests, fetched once into the local Maven repository on demand. */
final class RapidsJar {
  private RapidsJar() {}

  static synchronized Path fetched() {
    Path jar = GpuPlanCheck.defaultJar();
    if (Files.isRegularFile(jar)) {
      return jar;
    }
    Path script = Path.of("..", "bin", "fetch-rapids").toAbsolutePath().normalize();
    try {
      Process fetch = new ProcessBuilder(script.toString()).inheritIO().start();
      if (fetch.waitFor() != 0 || !Files.isRegularFile(jar)) {
        throw new IllegalStateException(script + " failed; the RAPIDS jar is needed at " + jar);
      }
    } catch (IOException e) {
      throw new IllegalStateException("Cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while fetching the RAPIDS jar", e);
    }
    return jar;
  }
}
