package dev.flywheel.serving.online;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.serving.ServingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code online/CURRENT.json}: which snapshot folder is current. Immutable.
 *
 * @param snapshot the absolute snapshot folder
 * @param asOf the frontier of its counts
 * @param goldVersion the gold.global_features Delta version it exports
 */
public record SnapshotPointer(Path snapshot, Instant asOf, long goldVersion) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public SnapshotPointer {
    Objects.requireNonNull(snapshot, "snapshot");
  }

  /**
   * The pointer in {@code file}, or empty when the file does not exist (no snapshot exported yet).
   *
   * @throws ServingException if the file is not a pointer ({@code snapshot} string, ISO {@code as_of},
   *     integer {@code gold_version})
   */
  public static Optional<SnapshotPointer> read(Path file) {
    try {
      JsonNode pointer = JSON.readTree(Files.readString(file));
      JsonNode snapshot = pointer.path("snapshot");
      JsonNode version = pointer.path("gold_version");
      if (!snapshot.isTextual() || !version.canConvertToLong() || !version.isIntegralNumber()) {
        throw new ServingException(file + " must hold {\"snapshot\": \"/abs/path\", \"as_of\": \"ISO instant\","
            + " \"gold_version\": integer}, got " + pointer);
      }
      JsonNode asOf = pointer.path("as_of");
      return Optional.of(new SnapshotPointer(file.resolveSibling(snapshot.asText()),
          asOf.isTextual() ? Instant.parse(asOf.asText()) : null, version.asLong()));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | DateTimeParseException e) {
      throw new ServingException("Cannot read the snapshot pointer " + file + ": " + e.getMessage(), e);
    }
  }
}
