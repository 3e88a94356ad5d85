package dev.flywheel.pipelines.ingest;

import static dev.flywheel.pipelines.ingest.BronzeFixture.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.flywheel.lakehouse.RunRecord;
import dev.flywheel.lakehouse.SharedSpark;
import dev.flywheel.lakehouse.Tables;
import dev.flywheel.pipelines.kafka.KafkaBroker;
import dev.flywheel.pipelines.kafka.TestBrokers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The stream on a real broker: bad records are quarantined with their reason, good ones land once. */
class StreamingIngestTest {
  private static final String NOW = Instant.now().toString();

  private static void send(String bootstrap, String topic, List<ProducerRecord<byte[], byte[]>> records) {
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    properties.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties)) {
      for (ProducerRecord<byte[], byte[]> record : records) {
        producer.send(record).get();
      }
    } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("The test broker refused a record: " + e.getMessage(), e);
    }
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
    return new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void badRecordsAreQuarantinedWithTheirReasonWhileTheGoodOnesAroundThemLandOnce() {
    SparkSession spark = BronzeFixture.emptyCatalog();
    KafkaBroker broker = TestBrokers.shared();
    String topic = "ingest-corpus";
    broker.ensureTopic(topic, 2);
    Map<String, byte[]> bad = new LinkedHashMap<>();
    bad.put("not_json_object", utf8("hello"));
    bad.put("malformed_json", utf8("{\"event_id\":\"x-1\",\"event_type\":"));
    bad.put("not_utf8", new byte[] {'{', (byte) 0xFF, '}'});
    bad.put("empty", new byte[0]);
    bad.put("too_large", utf8(event("x-2", "click", NOW, ",\"query\":\"" + "q".repeat(1_000_000 - 200) + "\"")));
    bad.put("missing_field", utf8("{\"event_id\":\"x-3\",\"event_type\":\"click\",\"event_time\":\"" + NOW + "\"}"));
    bad.put("mistyped_field", utf8(event("x-4", "impression", NOW, ",\"position\":\"top\"")));
    bad.put("unknown_event_type", utf8(event("x-5", "wishlist", NOW, "")));
    bad.put("bad_event_time", utf8(event("x-6", "click", "22/11/2026", "")));
    bad.put("future_event_time", utf8(event("x-7", "click", Instant.now().plus(Duration.ofHours(3)).toString(), "")));
    bad.put("negative_position", utf8(event("x-8", "impression", NOW, ",\"position\":-2")));
    bad.put("value_out_of_range", utf8(event("x-9", "rating", NOW, ",\"value\":0")));
    bad.put("field_length", utf8(event("x-10", "click", NOW, "").replace("\"u-1\"", "\"" + "u".repeat(200) + "\"")));
    bad.put("unsupported_schema_version", utf8(event("x-11", "click", NOW, ",\"schema_version\":3")));
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    int good = 0;
    for (byte[] payload : bad.values()) {
      records.add(record(topic, "u-1", utf8(event("ok-" + good++, "click", NOW, ""))));
      records.add(record(topic, "u-1", payload));
    }
    records.add(record(topic, null, utf8(event("ok-no-key", "click", NOW, ""))));
    records.add(record(topic, "u-1", utf8(event("ok-late", "click", "2026-01-02T03:04:05Z", ""))));
    records.add(record(topic, "u-1", utf8(event("ok-0", "click", NOW, ""))));
    records.add(record(topic, "u-1", utf8(event("ok-1", "click", NOW, ""))));
    send(broker.bootstrapServers(), topic, records);

    RunRecord run = StreamingIngest.run(spark, new StreamingIngest.Config(broker.bootstrapServers(), topic,
        "earliest", 10, Duration.ofSeconds(1), true, Duration.ofHours(24), Map.of(),
        SharedSpark.home().checkpoints().resolve("corpus").toUri().toString()));

    List<String> landed = spark.table(Tables.FEEDBACK_EVENTS.qualifiedName()).orderBy("event_id")
        .select("event_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    List<String> expectedIds = new ArrayList<>();
    for (int i = 0; i < good; i++) {
      expectedIds.add("ok-" + i);
    }
    expectedIds.add("ok-late");
    expectedIds.add("ok-no-key");
    assertEquals(expectedIds.stream().sorted().toList(), landed);
    Map<String, Long> reasons = new LinkedHashMap<>();
    for (Row row : spark.table(Tables.FEEDBACK_QUARANTINE.qualifiedName()).groupBy("reason").count().collectAsList()) {
      reasons.put(row.getString(0), row.getLong(1));
    }
    Map<String, Long> expectedReasons = new LinkedHashMap<>();
    bad.keySet().forEach(reason -> expectedReasons.put(reason, 1L));
    assertEquals(expectedReasons.keySet().stream().sorted().toList(), reasons.keySet().stream().sorted().toList());
    assertEquals(bad.size(), reasons.values().stream().mapToLong(Long::longValue).sum());
    assertEquals(records.size() - 2, run.rowsIn());
    assertEquals(spark.table(Tables.INGEST_BATCHES.qualifiedName()).count() > 1, true,
        "maxOffsetsPerTrigger=10 must split the topic into several micro-batches");
    // Delta keeps its tables' states persisted; what must be gone are the batches' checkpointed rows.
    assertEquals(0, spark.sparkContext().getPersistentRDDs().values().count(rdd -> rdd.isCheckpointed()),
        "each micro-batch's kept rows are dropped after its writes, not left to accumulate");
    assertFalse(spark.conf().contains("spark.sql.constraintPropagation.enabled"),
        "the ingest's own settings apply to its stream's session, not to the caller's");
  }
}
