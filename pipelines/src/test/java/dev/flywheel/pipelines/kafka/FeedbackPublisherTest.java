package dev.flywheel.pipelines.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Publishing JSON Lines files to the shared real broker. */
class FeedbackPublisherTest {
  @TempDir
  Path dir;

  @Test
  void everyLineArrivesKeyedByItsUserId() throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      lines.add("{\"event_id\":\"e-" + i + "\",\"event_type\":\"click\",\"user_id\":\"u-" + (i % 7)
          + "\",\"context\":{\"user_id\":\"nested\"}}");
    }
    lines.add("not json at all");
    lines.add("");
    Path input = dir.resolve("events.jsonl.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(input))) {
      out.write(String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
    }
    KafkaBroker broker = TestBrokers.shared();

    FeedbackPublisher.Result result = FeedbackPublisher.publish(input, broker.bootstrapServers(), "publish.keys", 0);
    List<ConsumerRecord<String, String>> records = TestBrokers.readAll(broker.bootstrapServers(), "publish.keys", 501);

    assertEquals(501, result.sent());
    assertEquals(1, result.withoutKey());
    assertEquals(501, records.size());
    Map<String, String> keyByValue = new HashMap<>();
    records.forEach(record -> keyByValue.put(record.value(), record.key()));
    for (int i = 0; i < 500; i++) {
      assertEquals("u-" + (i % 7), keyByValue.get(lines.get(i)), lines.get(i));
    }
    assertNull(keyByValue.get("not json at all"));
    assertEquals(1, keyByValue.entrySet().stream().filter(e -> e.getKey().equals("not json at all")).count());
  }

  @Test
  void theRateLimitsTheThroughput() throws IOException {
    Path input = dir.resolve("slow.jsonl");
    Files.write(input, List.of("{\"user_id\":\"a\"}", "{\"user_id\":\"b\"}", "{\"user_id\":\"c\"}",
        "{\"user_id\":\"d\"}", "{\"user_id\":\"e\"}"));

    FeedbackPublisher.Result result = FeedbackPublisher.publish(input, TestBrokers.shared().bootstrapServers(),
        "publish.rate", 20);

    assertEquals(5, result.sent());
    assertEquals(true, result.elapsed().toMillis() >= 200, result.toString());
  }

  @Test
  void aMissingFileIsNamed() {
    Path missing = dir.resolve("nothing.jsonl");

    KafkaBrokerException error = assertThrows(KafkaBrokerException.class,
        () -> FeedbackPublisher.publish(missing, "127.0.0.1:1", "t", 0));

    assertEquals("Input file " + missing + " does not exist", error.getMessage());
  }

  @Test
  void theKeyIsATopLevelStringUserIdOfAWholeObject() {
    assertEquals("u-1", FeedbackPublisher.userIdOf("{\"a\":[1,{\"user_id\":\"x\"}],\"user_id\":\"u-1\"}"));
    assertNull(FeedbackPublisher.userIdOf("{\"user_id\":42}"));
    assertNull(FeedbackPublisher.userIdOf("{\"user_id\":\"u-1\""));
    assertNull(FeedbackPublisher.userIdOf("{\"user_id\":\"u-1\"} trailing"));
    assertNull(FeedbackPublisher.userIdOf("[\"user_id\"]"));
  }
}
