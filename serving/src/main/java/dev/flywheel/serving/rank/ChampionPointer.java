package dev.flywheel.serving.rank;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.serving.ServingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code models/CHAMPION.json}, written by the model registry after every promotion and rollback:
 * which bundle ranks. Immutable.
 *
 * @param modelVersion the champion's version, as serving names it in responses and impressions
 * @param bundle the bundle folder
 */
public record ChampionPointer(String modelVersion, Path bundle) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public ChampionPointer {
    Objects.requireNonNull(modelVersion, "modelVersion");
    Objects.requireNonNull(bundle, "bundle");
  }

  /**
   * The pointer in {@code file}, or empty when there is none (no champion yet).
   *
   * @throws ServingException if the file is not {@code {"model_version": integer, "bundle": "/path"}}
   */
  public static Optional<ChampionPointer> read(Path file) {
    try {
      JsonNode pointer = JSON.readTree(Files.readString(file));
      JsonNode version = pointer.path("model_version");
      JsonNode bundle = pointer.path("bundle");
      if (!version.isIntegralNumber() || !bundle.isTextual()) {
        throw new ServingException(file + " must hold {\"model_version\": integer, \"bundle\": \"/abs/path\"},"
            + " got " + pointer);
      }
      return Optional.of(new ChampionPointer(version.asText(), file.resolveSibling(bundle.asText())));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new ServingException("Cannot read the champion pointer " + file + ": " + e.getMessage(), e);
    }
  }
}
