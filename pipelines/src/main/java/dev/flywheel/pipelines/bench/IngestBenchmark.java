package dev.flywheel.pipelines.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.percentile_approx;

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
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.sql.Row;
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
 *
 * <p>Both ingests first run once, untimed, on a topic a quarter the size: a stream runs for days in one JVM,
 * and what a cold JVM's first batches add (Spark compiling its generated code, the JIT compiling the hot
 * loops) is not the rate it sustains. Those first runs' times are kept in the result beside the measured ones.
 */
public final class IngestBenchmark {
  private IngestBenchmark() {}

  /**
   * The measured figures. Immutable.
   *
   * @param events records in the topic
   * @param produceSeconds time to fill the topic with a plain Java producer
   * @param warmup the untimed first runs of both ingests, on a smaller topic
   * @param bareSeconds time of the bare append (AvailableNow, JVM warm, session started)
   * @param flywheelSeconds time of {@code flywheel ingest --available-now} on the same topic
   * @param landed rows landed by the Flywheel ingest (valid + quarantined)
   * @param latency event-to-commit latency of a continuous ingest fed at half the measured rate
   */
  public record Result(long events, double produceSeconds, Warmup warmup, double bareSeconds, double flywheelSeconds,
      long landed, Latency latency) {
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

  /**
   * The first run of each ingest in the JVM, on a topic of its own. Immutable.
   *
   * @param events records in the warm-up topic
   * @param bareSeconds the bare append's time on it
   * @param flywheelSeconds the Flywheel ingest's time on it
   */
  public record Warmup(long events, double bareSeconds, double flywheelSeconds) {}

  /**
   * Event-to-commit latency of a continuous ingest (processing-time trigger) fed at a steady rate.
   * Immutable.
   *
   * @param ratePerSecond events per second produced
   * @param triggerSeconds the trigger interval
   * @param batches micro-batches that carried events
   * @param medianBatchP99Millis median over batches of the per-batch p99
   * @param worstBatchP99Millis worst per-batch p99
   */
  public record Latency(double ratePerSecond, long triggerSeconds, long batches, long medianBatchP99Millis,
      long worstBatchP99Millis) {}

  /**
   * Warms both ingests up on a topic of a quarter of {@code events} records, fills a fresh topic with
   * {@code events} records and times both ingests of it, then measures the latency of a continuous ingest
   * with {@code latencyTrigger} fed at half the measured rate for {@code latencyPeriod}.
   */
  public static Result run(SparkSession spark, FlywheelHome home, KafkaBroker broker, long events,
      long maxOffsetsPerTrigger, Duration latencyTrigger, Duration latencyPeriod) {
    String warmupTopic = "bench-warmup-" + Instant.now().toEpochMilli();
    long warmupEvents = events / 4;
    broker.ensureTopic(warmupTopic, 2);
    produce(broker.bootstrapServers(), warmupTopic, warmupEvents);
    Warmup warmup = new Warmup(warmupEvents,
        secondsOf(() -> bareAppend(spark, home, broker.bootstrapServers(), warmupTopic, maxOffsetsPerTrigger)),
        secondsOf(() -> ingest(spark, home, broker.bootstrapServers(), warmupTopic, maxOffsetsPerTrigger)));

    String topic = "bench-" + Instant.now().toEpochMilli();
    broker.ensureTopic(topic, 2);
    long start = System.nanoTime();
    produce(broker.bootstrapServers(), topic, events);
    double produceSeconds = seconds(start);
    double bareSeconds = secondsOf(() -> bareAppend(spark, home, broker.bootstrapServers(), topic,
        maxOffsetsPerTrigger));
    start = System.nanoTime();
    RunRecord run = ingest(spark, home, broker.bootstrapServers(), topic, maxOffsetsPerTrigger);
    double flywheelSeconds = seconds(start);
    Latency latency = latencyAtRate(spark, home, broker, events / flywheelSeconds / 2, latencyTrigger,
        latencyPeriod);
    return new Result(events, produceSeconds, warmup, bareSeconds, flywheelSeconds, run.rowsOut(), latency);
  }

  private static double secondsOf(Runnable work) {
    long start = System.nanoTime();
    work.run();
    return seconds(start);
  }

  private static RunRecord ingest(SparkSession spark, FlywheelHome home, String bootstrap, String topic,
      long maxOffsetsPerTrigger) {
    return StreamingIngest.run(spark, new StreamingIngest.Config(bootstrap, topic, "earliest", maxOffsetsPerTrigger,
        Duration.ZERO, true, Duration.ofHours(24), Map.of(), StreamingIngest.Config.defaultCheckpoint(home, topic)));
  }

  /**
   * Runs a continuous ingest with {@code trigger} while a producer sends {@code rate} events per
   * second for {@code period}, then reads the per-batch latencies the ingest recorded.
   */
  static Latency latencyAtRate(SparkSession spark, FlywheelHome home, KafkaBroker broker, double rate,
      Duration trigger, Duration period) {
    String topic = "bench-latency-" + Instant.now().toEpochMilli();
    broker.ensureTopic(topic, 2);
    StreamingIngest.Config config = new StreamingIngest.Config(broker.bootstrapServers(), topic, "earliest", 0,
        trigger, false, Duration.ofHours(24), Map.of(), StreamingIngest.Config.defaultCheckpoint(home, topic));
    AtomicBoolean stop = new AtomicBoolean();
    Thread ingest = new Thread(() -> StreamingIngest.run(spark, config, stop), "bench-latency-ingest");
    ingest.start();
    try {
      Thread.sleep(trigger.multipliedBy(3).toMillis());
      long events = (long) (rate * period.toSeconds());
      long started = System.nanoTime();
      produceAtRate(broker.bootstrapServers(), topic, events, rate);
      long sleepMillis = period.toMillis() - (System.nanoTime() - started) / 1_000_000;
      Thread.sleep(Math.max(0, sleepMillis) + trigger.multipliedBy(3).toMillis());
      stop.set(true);
      ingest.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while measuring latency", e);
    }
    Row stats = spark.table(Tables.INGEST_BATCHES.qualifiedName())
        .where(col("query_id").equalTo(StreamingIngest.queryId(spark, config)))
        .agg(count(lit(1)), percentile_approx(col("latency_p99_ms"), lit(0.5), lit(1000)),
            max("latency_p99_ms")).head();
    return new Latency(rate, trigger.toSeconds(), stats.getLong(0), stats.getLong(1), stats.getLong(2));
  }

  private static void produceAtRate(String bootstrap, String topic, long events, double rate) {
    long batch = Math.max(1, (long) (rate / 10));
    long sent = 0;
    long start = System.nanoTime();
    while (sent < events) {
      long n = Math.min(batch, events - sent);
      produce(bootstrap, topic, n, sent);
      sent += n;
      long due = start + (long) (sent / rate * 1e9);
      long wait = due - System.nanoTime();
      if (wait > 0) {
        try {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /** The baseline: the topic's records appended to a Delta path as they are. */
  private static void bareAppend(SparkSession spark, FlywheelHome home, String bootstrap, String topic,
      long maxOffsetsPerTrigger) {
    String path = home.root().resolve("bench/bare-" + topic).toUri().toString();
    String checkpoint = home.checkpoints().resolve("bench-bare-" + topic).toUri().toString();
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
    produce(bootstrap, topic, events, 0);
  }

  private static void produce(String bootstrap, String topic, long events, long firstId) {
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
      for (long i = firstId; i < firstId + events; i++) {
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
