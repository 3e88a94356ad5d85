package dev.flywheel.pipelines.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.zip.GZIPInputStream;

/**
 * Publishes a JSON Lines file (optionally gzip-compressed) to Kafka, one line per record, keyed by
 * the line's {@code user_id} when the line is a JSON object with a string {@code user_id}. Lines
 * that are not are sent as they are, without a key: judging records is the ingest's job, and the
 * quarantine must see them. Blank lines are skipped. Stateless; one call per file.
 */
public final class FeedbackPublisher {
  private static final JsonFactory JSON = new JsonFactory();

  private FeedbackPublisher() {}

  /**
   * What one publish did.
   *
   * @param sent records acknowledged by the broker
   * @param withoutKey of those, records whose line had no readable {@code user_id}
   * @param elapsed from the first line read to the last acknowledgement
   */
  public record Result(long sent, long withoutKey, Duration elapsed) {
    /** Records per second over {@link #elapsed()}. */
    public double perSecond() {
      return sent / Math.max(elapsed.toNanos() / 1e9, 1e-9);
    }
  }

  /**
   * Sends every non-blank line of {@code input} to {@code topic} on {@code bootstrapServers}.
   *
   * @param ratePerSecond at most this many records per second; 0 means as fast as possible
   * @throws KafkaBrokerException if the file does not exist or the broker cannot be reached or
   *     refuses records
   */
  public static Result publish(Path input, String bootstrapServers, String topic, double ratePerSecond) {
    Objects.requireNonNull(topic, "topic");
    if (ratePerSecond < 0) {
      throw new IllegalArgumentException("The rate must not be negative, got " + ratePerSecond);
    }
    long began = System.nanoTime();
    long withoutKey = 0;
    long sent;
    try (BufferedReader reader = open(input);
         RecordSender sender = new RecordSender(bootstrapServers, topic, "flywheel-publish")) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        if (ratePerSecond > 0) {
          pace(began, sender.sent(), ratePerSecond);
        }
        String key = userIdOf(line);
        if (key == null) {
          withoutKey++;
        }
        sender.send(key, line);
      }
      sent = sender.sent();
    } catch (NoSuchFileException e) {
      throw new KafkaBrokerException("Input file " + input + " does not exist", e);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + input, e);
    }
    return new Result(sent, withoutKey, Duration.ofNanos(System.nanoTime() - began));
  }

  /** A reader of {@code file}, decompressed when its name ends in {@code .gz}. */
  static BufferedReader open(Path file) throws IOException {
    InputStream in = Files.newInputStream(file);
    if (file.getFileName().toString().endsWith(".gz")) {
      in = new GZIPInputStream(in, 1 << 16);
    }
    return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
  }

  /**
   * The top-level string {@code user_id} of {@code line} if the whole line is one JSON object, else
   * null. Streams over the line once without building a tree.
   */
  static String userIdOf(String line) {
    try (JsonParser parser = JSON.createParser(line)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String userId = null;
      JsonToken token;
      while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
        boolean isUserId = "user_id".equals(parser.currentName());
        JsonToken value = parser.nextToken();
        if (isUserId && value == JsonToken.VALUE_STRING) {
          userId = parser.getText();
        }
        parser.skipChildren();
      }
      return token == JsonToken.END_OBJECT && parser.nextToken() == null ? userId : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static void pace(long began, long done, double ratePerSecond) {
    long due = began + (long) (done / ratePerSecond * 1e9);
    long wait = due - System.nanoTime();
    if (wait > 0) {
      try {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KafkaBrokerException("Interrupted while publishing after " + done + " records");
      }
    }
  }
}
