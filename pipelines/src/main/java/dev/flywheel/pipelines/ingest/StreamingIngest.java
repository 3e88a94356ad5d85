package dev.flywheel.pipelines.ingest;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.unix_millis;
import static org.apache.spark.sql.functions.when;

import dev.flywheel.lakehouse.FlywheelHome;
import dev.flywheel.lakehouse.IdempotentAppender;
import dev.flywheel.lakehouse.ReadMode;
import dev.flywheel.lakehouse.RowCounts;
import dev.flywheel.lakehouse.RunLedger;
import dev.flywheel.lakehouse.RunRecord;
import dev.flywheel.lakehouse.TableCatalog;
import dev.flywheel.lakehouse.Tables;
import dev.flywheel.pipelines.contract.FeedbackValidation;
import dev.flywheel.pipelines.contract.RawRecords;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.LogicalRDD;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;
import scala.runtime.AbstractFunction0;
import scala.runtime.BoxedUnit;

/**
 * Structured Streaming from Kafka into bronze, exactly once: each micro-batch is validated,
 * deduplicated by {@code event_id} in the state store, and appended to
 * {@code bronze.feedback_events} and {@code bronze.feedback_quarantine} once per batch ({@link
 * IdempotentAppender}: Delta's transaction ids, the application id the query's stable id kept in its
 * checkpoint, the version the batch id), so a batch replayed after a crash writes nothing twice.
 */
public final class StreamingIngest {
  /** The ledger's name of this job. */
  public static final String JOB = "ingest";
  private static final String QUERY_ID_FILE = "flywheel-query-id";
  private static final String STATE_STORE_PROVIDER = "spark.sql.streaming.stateStore.providerClass";
  private static final String ROCKSDB = "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider";
  private static final String CHANGELOG_CHECKPOINTING =
      "spark.sql.streaming.stateStore.rocksdb.changelogCheckpointing.enabled";
  private static final String CONCURRENT_WRITERS = "spark.sql.maxConcurrentOutputFileWriters";
  private static final String CONSTRAINT_PROPAGATION = "spark.sql.constraintPropagation.enabled";
  private static final String HUGE_METHOD_LIMIT = "spark.sql.codegen.hugeMethodLimit";

  private StreamingIngest() {}

  /**
   * Configuration of one ingest run. Immutable; validated on construction.
   *
   * @param bootstrapServers Kafka bootstrap servers
   * @param topic topic to read
   * @param startingOffsets {@code earliest}, {@code latest} or Spark's JSON offsets, for a new checkpoint
   * @param maxOffsetsPerTrigger records per micro-batch at most; 0 for no limit
   * @param triggerInterval time between micro-batches
   * @param availableNow process what is in the topic, then stop
   * @param dedupeWindow how long (by arrival time) a resent {@code event_id} is recognised
   * @param kafkaOptions options passed to the Kafka source as they are (each key starts with {@code kafka.})
   * @param checkpoint checkpoint location (any Hadoop path)
   */
  public record Config(String bootstrapServers, String topic, String startingOffsets, long maxOffsetsPerTrigger,
      Duration triggerInterval, boolean availableNow, Duration dedupeWindow, Map<String, String> kafkaOptions,
      String checkpoint) {
    public Config {
      Objects.requireNonNull(bootstrapServers, "bootstrapServers");
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(checkpoint, "checkpoint");
      if (maxOffsetsPerTrigger < 0) {
        throw new IllegalArgumentException("--max-offsets-per-trigger must be >= 0, was " + maxOffsetsPerTrigger);
      }
      if (triggerInterval.isNegative()) {
        throw new IllegalArgumentException("--trigger-seconds must be >= 0");
      }
      if (dedupeWindow.isNegative() || dedupeWindow.isZero()) {
        throw new IllegalArgumentException("--dedupe-window-minutes must be > 0");
      }
      for (String key : kafkaOptions.keySet()) {
        if (!key.startsWith("kafka.")) {
          throw new IllegalArgumentException("Kafka option " + key + " must start with 'kafka.' (e.g."
              + " kafka.security.protocol=SASL_SSL)");
        }
      }
      kafkaOptions = Map.copyOf(kafkaOptions);
    }

    /** The default checkpoint of a topic under the data root. */
    public static String defaultCheckpoint(FlywheelHome home, String topic) {
      return home.checkpoints().resolve("ingest-" + topic).toUri().toString();
    }
  }

  /**
   * Raw Kafka records validated, with resent events (same {@code event_id}) dropped within the window.
   * The record's bytes are dropped and its text kept only where it goes to quarantine: every row is
   * shuffled into the deduplication state and persisted per batch, and the raw copies were most of
   * its bytes.
   */
  public static Dataset<Row> validatedAndDeduplicated(Dataset<Row> kafkaRows, Duration dedupeWindow) {
    return FeedbackValidation.validate(RawRecords.fromKafka(kafkaRows))
        .drop("payload")
        .withColumn(FeedbackValidation.RAW_TEXT, when(not(FeedbackValidation.IS_VALID),
            col(FeedbackValidation.RAW_TEXT)))
        .withColumn("dedupe_key", when(FeedbackValidation.IS_VALID, col("event_id"))
            .otherwise(concat(lit("quarantine:"), FeedbackValidation.QUARANTINE_ID)))
        .withWatermark("arrived_at", dedupeWindow.toSeconds() + " seconds")
        .dropDuplicatesWithinWatermark("dedupe_key");
  }

  /** Runs the ingest until the topic is drained ({@code availableNow}), the query fails, or SIGTERM. */
  public static RunRecord run(SparkSession spark, Config config) {
    return run(spark, config, new AtomicBoolean());
  }

  /**
   * Runs the ingest until the topic is drained ({@code availableNow}), the query fails, SIGTERM, or
   * {@code stop} is set; a stop takes effect between two micro-batches.
   */
  public static RunRecord run(SparkSession spark, Config config, AtomicBoolean stop) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("topic", config.topic());
    params.put("bootstrap", config.bootstrapServers());
    params.put("available_now", Boolean.toString(config.availableNow()));
    params.put("checkpoint", config.checkpoint());
    return RunLedger.onDelta(spark).execute(JOB, ReadMode.FULL, List.of(), params, run -> {
      BatchSink sink = new BatchSink(queryId(spark, config.checkpoint()));
      StreamingQuery query = start(spark, config, sink);
      RuntimeException failure = null;
      try {
        awaitStopAtBatchBoundary(query, stop);
      } catch (RuntimeException e) {
        failure = e;
      }
      sink.awaitMetrics(failure);
      run.recordOutput(Tables.FEEDBACK_EVENTS.qualifiedName());
      run.recordOutput(Tables.FEEDBACK_QUARANTINE.qualifiedName());
      return new RowCounts(sink.records.get(), sink.valid.get() + sink.quarantined.get());
    });
  }

  /**
   * The ingest's own Spark settings, each only where the user's {@code --conf} has not set it. They apply to
   * the stream's session alone: Spark clones the session when a query starts, so {@link #start} sets them
   * for that moment and restores the caller's session, and a later job in the same JVM (the demo's features
   * run) keeps its own settings.
   */
  private static Map<String, String> streamSettings(SparkSession spark) {
    Map<String, String> settings = new LinkedHashMap<>();
    // Deduplication state outgrows the heap with the default provider; RocksDB keeps it on disk.
    settings.put(STATE_STORE_PROVIDER, ROCKSDB);
    if (spark.conf().get(STATE_STORE_PROVIDER, ROCKSDB).equals(ROCKSDB)) {
      // Each batch then checkpoints the keys it changed instead of a snapshot of the whole state
      // (compatible both ways with existing checkpoints).
      settings.put(CHANGELOG_CHECKPOINTING, "true");
    }
    // A batch's events fall on one or two event dates: one open file per date instead of sorting
    // the whole batch by bronze's partition column first (past this many dates Spark sorts again).
    settings.put(CONCURRENT_WRITERS, "4");
    // The validation is one wide projection of CASE expressions; inferring constraints over it was most of
    // each micro-batch's planning on the driver (about 1 s a batch, whatever its size), and a Kafka-to-Delta
    // append has no join or filter for the inferred constraints to improve.
    settings.put(CONSTRAINT_PROPAGATION, "false");
    // The validation's whole-stage code is one method past HotSpot's 8,000-byte limit for JIT compilation
    // (Spark's default limit is the JVM's 64 KB), so it ran interpreted: validating 1,000,000 records took
    // 13.5 s instead of 7.8 s. At 8,000 Spark generates that stage's expressions as separate, compilable
    // projections, as Spark's own documentation of the setting advises on HotSpot.
    settings.put(HUGE_METHOD_LIMIT, "8000");
    return settings;
  }

  private static StreamingQuery start(SparkSession spark, Config config, BatchSink sink) {
    List<String> applied = new ArrayList<>();
    streamSettings(spark).forEach((key, value) -> {
      if (!spark.conf().contains(key)) {
        spark.conf().set(key, value);
        applied.add(key);
      }
    });
    try {
      return startQuery(spark, config, sink);
    } finally {
      applied.forEach(spark.conf()::unset);
    }
  }

  private static StreamingQuery startQuery(SparkSession spark, Config config, BatchSink sink) {
    var reader = spark.readStream().format("kafka")
        .option("kafka.bootstrap.servers", config.bootstrapServers())
        .option("subscribe", config.topic())
        .option("startingOffsets", config.startingOffsets())
        .option("includeHeaders", "false")
        .options(config.kafkaOptions());
    if (config.maxOffsetsPerTrigger() > 0) {
      reader = reader.option("maxOffsetsPerTrigger", config.maxOffsetsPerTrigger());
    }
    Dataset<Row> records = validatedAndDeduplicated(reader.load(), config.dedupeWindow());
    var writer = records.writeStream()
        .queryName("flywheel-ingest-" + config.topic())
        .option("checkpointLocation", config.checkpoint())
        .foreachBatch(sink);
    writer = config.availableNow()
        ? writer.trigger(Trigger.AvailableNow())
        : writer.trigger(Trigger.ProcessingTime(config.triggerInterval().toMillis()));
    try {
      return writer.start();
    } catch (TimeoutException e) {
      throw new IllegalStateException("The ingest query did not start: " + e.getMessage(), e);
    }
  }

  /**
   * Waits for the query to end; on SIGTERM stops it between two micro-batches, before Spark's own
   * shutdown hook stops the SparkContext (a stop inside a batch would still be exactly once: the
   * batch is replayed and its writes are skipped).
   */
  private static void awaitStopAtBatchBoundary(StreamingQuery query, AtomicBoolean stopRequested) {
    CountDownLatch stopped = new CountDownLatch(1);
    Object hook = org.apache.spark.util.ShutdownHookManager.addShutdownHook(100, new AbstractFunction0<BoxedUnit>() {
      @Override
      public BoxedUnit apply() {
        stopRequested.set(true);
        try {
          stopped.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return BoxedUnit.UNIT;
      }
    });
    try {
      while (query.isActive()) {
        if (stopRequested.get() && !query.status().isTriggerActive()) {
          query.stop();
          break;
        }
        query.awaitTermination(200);
      }
      query.exception().foreach(error -> {
        throw new IllegalStateException("The ingest query failed: " + error.getMessage(), error);
      });
    } catch (StreamingQueryException e) {
      throw new IllegalStateException("The ingest query failed: " + e.getMessage(), e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("The ingest query did not stop in time", e);
    } finally {
      stopped.countDown();
      org.apache.spark.util.ShutdownHookManager.removeShutdownHook(hook);
    }
  }

  /**
   * The stable id of the query whose checkpoint is {@code checkpoint}: created with the checkpoint,
   * so a new checkpoint (whose batch ids restart at 0) never has its writes skipped as replays of
   * an old one.
   */
  static String queryId(SparkSession spark, String checkpoint) {
    Path file = new Path(checkpoint, QUERY_ID_FILE);
    try {
      FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(file)) {
        try (FSDataOutputStream out = fs.create(file, false)) {
          out.write(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        }
      }
      try (var in = fs.open(file)) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read or create " + file + ": " + e.getMessage(), e);
    }
  }

  /** The id {@code ops.ingest_batches} records for the query of {@code config}'s checkpoint. */
  public static String queryId(SparkSession spark, Config config) {
    return queryId(spark, config.checkpoint());
  }

  /**
   * Writes one micro-batch to bronze and records its metrics; replays of a batch write nothing.
   *
   * <p>A batch's metrics row is appended while the next batch computes, not before it starts: the commit
   * would otherwise add its fixed cost to every batch's latency. The next batch waits for it before its own
   * writes (and {@link #awaitMetrics} at the end of a run), so a failed metrics write still fails the ingest.
   * The one row a crash can lose is that of the last batch before it.
   */
  static final class BatchSink implements VoidFunction2<Dataset<Row>, Long> {
    private final String queryId;
    private final IdempotentAppender bronzeAppends;
    private final IdempotentAppender quarantineAppends;
    private final IdempotentAppender metricsAppends;
    final AtomicLong records = new AtomicLong();
    final AtomicLong valid = new AtomicLong();
    final AtomicLong quarantined = new AtomicLong();
    private volatile FutureTask<Void> pendingMetrics;

    BatchSink(String queryId) {
      this.queryId = queryId;
      this.bronzeAppends = appender(Tables.FEEDBACK_EVENTS.qualifiedName());
      this.quarantineAppends = appender(Tables.FEEDBACK_QUARANTINE.qualifiedName());
      this.metricsAppends = appender(Tables.INGEST_BATCHES.qualifiedName());
    }

    /** The batches' writer of {@code table}: its id is the one the ingest's Delta write options used. */
    private IdempotentAppender appender(String table) {
      return new IdempotentAppender(table, "flywheel-ingest/" + queryId + "/" + table);
    }

    @Override
    public void call(Dataset<Row> batch, Long batchId) {
      // The batch is read three times (statistics, bronze, quarantine) and must be computed once: its plan holds
      // the deduplication state. A local checkpoint keeps its rows as they are computed; the columnar cache
      // that kept them before cost a fifth of the ingest building and decoding column batches (1,000,000
      // records: 5.6-6.5 s against 1 s). What it gives up: a lost executor fails the batch instead of recomputing
      // its part, and the restarted query replays the batch, whose writes Delta then skips or completes.
      Dataset<Row> persisted = batch.localCheckpoint(false);
      try {
        Row stats = persisted.agg(
            count(lit(1)),
            sum(when(FeedbackValidation.IS_VALID, 1).otherwise(0)),
            min(unix_millis(col("arrived_at"))),
            percentile_approx(unix_millis(col("arrived_at")), array(lit(0.5), lit(0.01)), lit(1000))).head();
        awaitMetrics(null);
        long total = stats.getLong(0);
        if (total == 0) {
          return;
        }
        long validCount = stats.getLong(1);
        List<Long> arrivedPercentiles = stats.getList(3);
        SparkSession spark = persisted.sparkSession();
        Runnable bronze = () -> bronzeAppends.append(FeedbackValidation.validEvents(persisted), batchId);
        if (validCount < total) {
          // A replay of the batch has the same records, so it skips or repeats this write alike. The two
          // tables commit independently, so the quarantine's commit overlaps bronze's instead of following it.
          alongside(bronze, () -> quarantineAppends.append(FeedbackValidation.quarantineRecords(persisted),
              batchId));
        } else {
          bronze.run();
        }
        long committedAt = System.currentTimeMillis();
        Row metrics = RowFactory.create(queryId, batchId, total, validCount, total - validCount,
            committedAt - arrivedPercentiles.get(0), committedAt - arrivedPercentiles.get(1),
            committedAt - stats.getLong(2),
            new Timestamp(committedAt),
            TableCatalog.latestVersion(spark, Tables.FEEDBACK_EVENTS.qualifiedName()));
        pendingMetrics = startAlongside(() -> metricsAppends.append(
            spark.createDataFrame(List.of(metrics), Tables.INGEST_BATCHES.schema()), batchId));
        records.addAndGet(total);
        valid.addAndGet(validCount);
        quarantined.addAndGet(total - validCount);
      } finally {
        release(persisted);
      }
    }

    /** Drops the rows a local checkpoint of this batch keeps in the block managers. */
    private static void release(Dataset<Row> checkpointed) {
      if (checkpointed.queryExecution().analyzed() instanceof LogicalRDD rows) {
        rows.rdd().unpersist(false);
      }
    }

    /**
     * Waits for the last batch's metrics row; throws {@code failure} (if any) with the failure of that
     * write added, or the write's own failure.
     */
    void awaitMetrics(RuntimeException failure) {
      FutureTask<Void> pending = pendingMetrics;
      pendingMetrics = null;
      if (pending != null) {
        awaitAlongside(pending, failure);
      } else if (failure != null) {
        throw failure;
      }
    }

    /**
     * Runs {@code main} here and {@code other} at the same time on a thread started for it; returns
     * when both are done, rethrowing the first failure.
     */
    private static void alongside(Runnable main, Runnable other) {
      FutureTask<Void> task = startAlongside(other);
      RuntimeException failure = null;
      try {
        main.run();
      } catch (RuntimeException e) {
        failure = e;
      }
      awaitAlongside(task, failure);
    }

    /**
     * Starts {@code work} on a thread of its own, which inherits this batch's Spark job properties (a
     * thread pool's threads would keep those of the batch that created them).
     */
    private static FutureTask<Void> startAlongside(Runnable work) {
      FutureTask<Void> task = new FutureTask<>(work, null);
      Thread thread = new Thread(task, Thread.currentThread().getName() + "-alongside");
      thread.setDaemon(true);
      thread.start();
      return task;
    }

    /** Waits for {@code task}; throws {@code failure} (if any) with the task's own failure added. */
    private static void awaitAlongside(FutureTask<Void> task, RuntimeException failure) {
      try {
        task.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failure = addTo(failure, new IllegalStateException("Interrupted while writing the batch", e));
      } catch (ExecutionException e) {
        failure = addTo(failure, e.getCause() instanceof RuntimeException runtime
            ? runtime : new IllegalStateException(e.getCause().getMessage(), e.getCause()));
      }
      if (failure != null) {
        throw failure;
      }
    }

    private static RuntimeException addTo(RuntimeException first, RuntimeException next) {
      if (first == null) {
        return next;
      }
      first.addSuppressed(next);
      return first;
    }
  }
}
