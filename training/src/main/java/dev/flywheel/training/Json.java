package dev.flywheel.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.flywheel.lakehouse.LakehouseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Reading and writing the JSON files training exports (bundles, the champion pointer). */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Json() {}

  /**
   * Writes {@code value} to {@code file} so a reader sees the old file or the new one, never a part:
   * a temporary file in the same folder, then an atomic rename over the target.
   */
  static void writeAtomically(Path file, Object value) {
    try {
      Files.createDirectories(file.getParent());
      Path temporary = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
      try {
        MAPPER.writeValue(temporary.toFile(), value);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(temporary);
      }
    } catch (IOException e) {
      throw new LakehouseException("Cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** The parsed file. */
  static JsonNode read(Path file) {
    try {
      return MAPPER.readTree(file.toFile());
    } catch (IOException e) {
      throw new LakehouseException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
