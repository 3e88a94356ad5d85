package dev.flywheel.lakehouse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Local-filesystem housekeeping under {@code FLYWHEEL_HOME} shared by the jobs and commands. */
public final class LocalFiles {
  private LocalFiles() {}

  /** Deletes {@code root} and everything below it, children first; nothing when it does not exist. */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
