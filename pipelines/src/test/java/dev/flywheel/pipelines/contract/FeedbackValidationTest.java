package dev.flywheel.pipelines.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.lakehouse.SharedSpark;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class FeedbackValidationTest {
  private static final Instant ARRIVAL = Instant.parse("2026-11-22T12:00:00Z");
  private static final String IMPRESSION = "{\"event_id\":\"e-1\",\"event_type\":\"impression\","
      + "\"event_time\":\"2026-11-22T10:15:30.123Z\",\"user_id\":\"u-42\",\"item_id\":\"i-7\",\"request_id\":\"r-9\","
      + "\"surface\":\"search\",\"query\":\"running shoes\",\"position\":0,\"model_version\":\"7\","
      + "\"context\":{\"device\":\"mobile\"}}";

  private final SparkSession spark = SharedSpark.session();

  /** Raw records from Kafka-like coordinates: offset i for the i-th payload. */
  private Dataset<Row> raw(List<byte[]> payloads) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < payloads.size(); i++) {
      rows.add(RowFactory.create(payloads.get(i), "u-42", RawRecords.KAFKA, "feedback.events", 0, (long) i, null,
          null, Timestamp.from(ARRIVAL)));
    }
    return spark.createDataFrame(rows, RawRecords.SCHEMA);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Replaces one field of the valid impression ({@code null} value removes it). */
  private static String with(String field, String jsonValue) {
    String base = IMPRESSION;
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + field + "\":(\"[^\"]*\"|[^,}]+|\\{[^}]*\\})")
        .matcher(base);
    if (m.find()) {
      String replacement = jsonValue == null ? "" : "\"" + field + "\":" + jsonValue;
      String out = base.substring(0, m.start()) + replacement + base.substring(m.end());
      return out.replace(",,", ",").replace("{,", "{").replace(",}", "}");
    }
    return base.substring(0, base.length() - 1) + ",\"" + field + "\":" + jsonValue + "}";
  }

  @Test
  void keepsEveryKindOfInvalidRecordWithItsReason() {
    Map<String, byte[]> corpus = new LinkedHashMap<>();
    corpus.put("empty", utf8(""));
    corpus.put("empty", utf8("   "));
    corpus.put("too_large", utf8(IMPRESSION.replace("running shoes", "x".repeat(1024 * 1024))));
    corpus.put("not_utf8", new byte[] {'{', '"', 'a', '"', ':', (byte) 0xC3, (byte) 0x28, '}'});
    corpus.put("not_json_object", utf8("[1,2,3]"));
    corpus.put("malformed_json", utf8(IMPRESSION.substring(0, 40)));
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put(with("user_id", null), "missing_field");
    expected.put(with("event_id", "null"), "missing_field");
    expected.put(with("position", null), "missing_field");
    expected.put(with("event_type", "\"rating\"").replace("\"position\":0,", ""), "missing_field");
    expected.put(with("position", "\"first\""), "mistyped_field");
    expected.put(with("position", "1.5"), "mistyped_field");
    expected.put(with("context", "\"mobile\""), "mistyped_field");
    expected.put(with("context", "[\"mobile\"]"), "mistyped_field");
    expected.put(with("context", "7"), "mistyped_field");
    expected.put(IMPRESSION.replace("\"device\":\"mobile\"}", "\"device\":\"mobile\"},,"), "malformed_json");
    expected.put(with("value", "\"high\""), "mistyped_field");
    expected.put(with("schema_version", "\"one\""), "mistyped_field");
    expected.put(with("event_id", "\"" + "e".repeat(129) + "\""), "field_length");
    expected.put(with("item_id", "\"\""), "field_length");
    expected.put(with("query", "\"" + "q".repeat(1025) + "\""), "field_length");
    expected.put(with("event_type", "\"like\""), "unknown_event_type");
    expected.put(with("event_time", "\"yesterday\""), "bad_event_time");
    expected.put(with("event_time", "\"2026-11-22T10:15:30\""), "bad_event_time");
    expected.put(with("event_time", "1763806530"), "bad_event_time");
    expected.put(with("event_time", "\"2026-11-22T13:00:01Z\""), "future_event_time");
    expected.put(with("position", "-1"), "negative_position");
    expected.put(with("event_type", "\"rating\"") .replace("\"position\":0", "\"value\":6"), "value_out_of_range");
    expected.put(with("event_type", "\"dwell\"").replace("\"position\":0", "\"value\":-3"), "value_out_of_range");
    expected.put(with("schema_version", "2"), "unsupported_schema_version");

    List<byte[]> payloads = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    corpus.forEach((reason, payload) -> {
      payloads.add(payload);
      reasons.add(reason);
    });
    payloads.add(utf8(""));
    reasons.add("empty");
    payloads.add(null);
    reasons.add("empty");
    expected.forEach((payload, reason) -> {
      payloads.add(utf8(payload));
      reasons.add(reason);
    });
    payloads.add(utf8(IMPRESSION));
    reasons.add(null);

    List<Row> validated = FeedbackValidation.validate(raw(payloads)).orderBy("offset")
        .select("offset", "reason", "detail").collectAsList();

    assertEquals(reasons.size(), validated.size());
    for (int i = 0; i < reasons.size(); i++) {
      Row row = validated.get(i);
      assertEquals(reasons.get(i), row.getString(1),
          "record " + i + " (" + (payloads.get(i) == null ? "null" : new String(payloads.get(i), StandardCharsets.UTF_8)
              .substring(0, Math.min(120, payloads.get(i).length))) + "): " + row.getString(2));
    }
  }

  @Test
  void typesTheFieldsOfAValidEvent() {
    Dataset<Row> validated = FeedbackValidation.validate(raw(List.of(utf8(IMPRESSION),
        utf8("{\"event_id\":\"e-3\",\"event_type\":\"rating\",\"event_time\":\"2026-11-22T11:02:00+01:00\","
            + "\"user_id\":42,\"item_id\":\"i-7\",\"request_id\":\"r-9\",\"value\":4}"))));

    List<Row> events = FeedbackValidation.validEvents(validated).orderBy("event_id").collectAsList();

    assertEquals(2, events.size());
    Row impression = events.get(0);
    assertEquals(Timestamp.from(Instant.parse("2026-11-22T10:15:30.123Z")), impression.getAs("event_time"));
    assertEquals(0, (int) impression.getAs("position"));
    assertEquals("mobile", impression.<scala.collection.Map<String, String>>getAs("context").get("device").get());
    assertEquals("kafka:feedback.events/0/0", impression.getAs("source"));
    assertEquals(java.sql.Date.valueOf("2026-11-22"), impression.getAs("event_date"));
    assertEquals(1, (int) impression.getAs("schema_version"));
    Row rating = events.get(1);
    assertEquals(Timestamp.from(Instant.parse("2026-11-22T10:02:00Z")), rating.getAs("event_time"));
    assertEquals("42", rating.getAs("user_id"));
    assertEquals(4.0, (double) rating.getAs("value"));
    assertNull(rating.getAs("position"));
  }

  /**
   * A context object (nested values as their JSON text, numbers as text, nulls kept) and a JSON object
   * inside a string both become a map of text; a null context is no context; an array is mistyped.
   */
  @Test
  void readsEveryShapeOfContextAsAMapOfText() {
    Dataset<Row> validated = FeedbackValidation.validate(raw(List.of(
        utf8(with("context", "{\"device\":\"tv\",\"rank\":3,\"ab\":{\"arm\":\"b\"},\"gone\":null}")),
        utf8(with("context", "\"{\\\"device\\\":\\\"tv\\\"}\"")),
        utf8(with("context", "null")),
        utf8(with("context", "[1]")))));

    List<Row> rows = validated.orderBy("offset").select("reason", "context", "position").collectAsList();

    scala.collection.Map<String, String> nested = rows.get(0).getMap(1);
    assertNull(rows.get(0).get(0));
    assertEquals("tv", nested.get("device").get());
    assertEquals("3", nested.get("rank").get());
    assertEquals("{\"arm\":\"b\"}", nested.get("ab").get());
    assertTrue(nested.contains("gone"));
    assertNull(nested.get("gone").get());
    assertNull(rows.get(1).get(0));
    assertEquals("tv", rows.get(1).<String, String>getMap(1).get("device").get());
    assertEquals(0, rows.get(1).getInt(2));
    assertNull(rows.get(2).get(0));
    assertNull(rows.get(2).get(1));
    assertEquals("mistyped_field", rows.get(3).getString(0));
  }

  @Test
  void quarantineRowsKeepTheRawPayloadAndSource() {
    Dataset<Row> validated = FeedbackValidation.validate(raw(List.of(utf8("not json at all"))));

    Row quarantined = FeedbackValidation.quarantineRecords(validated).head();

    assertEquals("not json at all", quarantined.getAs("raw"));
    assertEquals("not_json_object", quarantined.getAs("reason"));
    assertEquals("record is not a JSON object", quarantined.getAs("detail"));
    assertEquals("feedback.events", quarantined.getAs("topic"));
    assertEquals(0L, (long) quarantined.getAs("offset"));
    assertEquals(64, quarantined.<String>getAs("quarantine_id").length());
  }
}
