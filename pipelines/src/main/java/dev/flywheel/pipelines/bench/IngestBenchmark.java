package dev.flywheel.pipelines.bench;

import static org.apache.spark.sql.functions.col;

import dev.flywheel.lakehouse.FlywheelHome;
import dev.flywheel.lakehouse.RunRecord;
import dev.flywheel.lakehouse.Tables;
import dev.flywheel.pipelines.ingest.StreamingIngest;
import dev.flywheel.pipelines.kafka.KafkaBroker;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;

/**
 * Sustained Kafka-to-bronze throughput of the validated, deduplicated ingest against a bare Spark
 * Kafka-to-Delta append (value as string plus offsets, no validation, no dedupe) of the same topic,
 * in the same run. Events are about 350 bytes; 1 % have an unknown event type and 0.1 % are not JSON.
 */
public final class IngestBenchmark {
  private IngestBenchmark() {}

  /**
   * The measured figures. Immutable.
   *
   * @param events records in the topic
   * @param produceSeconds time to fill the topic with a plain Java producer
   * @param bareSeconds time of the bare append (AvailableNow, JVM warm, session started)
   * @param flywheelSeconds time of {@code flywheel ingest --available-now} on the same topic
   * @param landed rows landed by the Flywheel ingest (valid + quarantined)
   * @param worstBatchP99Millis worst per-batch p99 event-to-commit latency of the Flywheel ingest
   */
  public record Result(long events, double produceSeconds, double bareSeconds, double flywheelSeconds, long landed,
      long worstBatchP99Millis) {
    public double bareEventsPerSecond() {
      return events / bareSeconds;
    }

    public double flywheelEventsPerSecond() {
      return events / flywheelSeconds;
    }

    public double ratio() {
      return bareSeconds / flywheelSeconds;
    }
  }

  /** Fills a fresh topic with {@code events} records, then times both ingests of it. */
  public static Result run(SparkSession spark, FlywheelHome home, KafkaBroker broker, long events,
      long maxOffsetsPerTrigger) {
    String topic = "bench-" + Instant.now().toEpochMilli();
    broker.ensureTopic(topic, 2);
    long start = System.nanoTime();
    produce(broker.bootstrapServers(), topic, events);
    double produceSeconds = seconds(start);

    String barePath = home.root().resolve("bench/bare-" + topic).toUri().toString();
    start = System.nanoTime();
    bareAppend(spark, broker.bootstrapServers(), topic, barePath, maxOffsetsPerTrigger,
        home.checkpoints().resolve("bench-bare-" + topic).toUri().toString());
    double bareSeconds = seconds(start);

    start = System.nanoTime();
    RunRecord run = StreamingIngest.run(spark, new StreamingIngest.Config(broker.bootstrapServers(), topic,
        "earliest", maxOffsetsPerTrigger, Duration.ZERO, true, Duration.ofHours(24), Map.of(),
        StreamingIngest.Config.defaultCheckpoint(home, topic)));
    double flywheelSeconds = seconds(start);
    long worstP99 = spark.table(Tables.INGEST_BATCHES.qualifiedName())
        .agg(org.apache.spark.sql.functions.max("latency_p99_ms")).head().getLong(0);
    return new Result(events, produceSeconds, bareSeconds, flywheelSeconds, run.rowsOut(), worstP99);
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static void bareAppend(SparkSession spark, String bootstrap, String topic, String path,
      long maxOffsetsPerTrigger, String checkpoint) {
    var reader = spark.readStream().format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest");
    if (maxOffsetsPerTrigger > 0) {
      reader = reader.option("maxOffsetsPerTrigger", maxOffsetsPerTrigger);
    }
    try {
      StreamingQuery query = reader.load()
          .select(col("value").cast("string").as("value"), col("topic"), col("partition"), col("offset"),
              col("timestamp"))
          .writeStream().format("delta").option("checkpointLocation", checkpoint)
          .trigger(Trigger.AvailableNow()).start(path);
      query.awaitTermination();
    } catch (StreamingQueryException e) {
      throw new IllegalStateException("The bare append failed: " + e.getMessage(), e);
    }
  }

  private static void produce(String bootstrap, String topic, long events) {
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    properties.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    properties.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    properties.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    Random random = new Random(42);
    String[] types = {"impression", "impression", "impression", "impression", "click", "dwell", "rating"};
    Instant base = Instant.now().minus(Duration.ofHours(1));
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties)) {
      for (long i = 0; i < events; i++) {
        String user = "u-" + random.nextInt(100_000);
        int roll = random.nextInt(1000);
        String value;
        if (roll == 0) {
          value = "this is not json " + i;
        } else {
          String type = roll < 11 ? "wishlist" : types[random.nextInt(types.length)];
          value = "{\"event_id\":\"b-" + i + "\",\"event_type\":\"" + type + "\",\"event_time\":\""
              + base.plusMillis(i) + "\",\"user_id\":\"" + user + "\",\"item_id\":\"i-" + random.nextInt(50_000)
              + "\",\"request_id\":\"r-" + (i / 10) + "\",\"surface\":\"search\",\"query\":\"running shoes\","
              + "\"position\":" + (i % 10) + ",\"model_version\":\"7\",\"value\":" + (1 + random.nextInt(5))
              + ",\"context\":{\"device\":\"mobile\",\"country\":\"DE\",\"item_category\":\"shoes\"}}";
        }
        producer.send(new ProducerRecord<>(topic, user, value));
      }
      producer.flush();
    }
  }
}
