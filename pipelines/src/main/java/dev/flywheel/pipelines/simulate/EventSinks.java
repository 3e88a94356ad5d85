package dev.flywheel.pipelines.simulate;

import dev.flywheel.pipelines.kafka.RecordSender;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** The two outputs of the simulator. */
public final class EventSinks {
  private EventSinks() {}

  /** One record per line of {@code file}, gzip-compressed when its name ends in {@code .gz}. */
  public static EventSink jsonLines(Path file) {
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      OutputStream out = Files.newOutputStream(file);
      if (file.getFileName().toString().endsWith(".gz")) {
        out = new GZIPOutputStream(out, 1 << 16);
      }
      BufferedWriter writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
      return new EventSink() {
        @Override
        public void accept(String key, String json) {
          try {
            writer.write(json);
            writer.write('\n');
          } catch (IOException e) {
            throw new UncheckedIOException("Cannot write to " + file, e);
          }
        }

        @Override
        public void close() {
          try {
            writer.close();
          } catch (IOException e) {
            throw new UncheckedIOException("Cannot finish " + file, e);
          }
        }
      };
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create " + file, e);
    }
  }

  /** Records to {@code topic} on {@code bootstrapServers}, keyed by user id. */
  public static EventSink kafka(String bootstrapServers, String topic) {
    RecordSender sender = new RecordSender(bootstrapServers, topic, "flywheel-simulate");
    return new EventSink() {
      @Override
      public void accept(String key, String json) {
        sender.send(key, json);
      }

      @Override
      public void close() {
        sender.close();
      }
    };
  }
}
