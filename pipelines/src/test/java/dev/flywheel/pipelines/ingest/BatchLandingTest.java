package dev.flywheel.pipelines.ingest;

import static dev.flywheel.pipelines.ingest.BronzeFixture.event;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flywheel.lakehouse.Tables;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backfill, quarantine replay and the MovieLens import land once, however often they run. */
class BatchLandingTest {
  @TempDir
  Path dir;
  private SparkSession spark;

  @BeforeEach
  void emptyCatalog() {
    spark = BronzeFixture.emptyCatalog();
  }

  private long count(String table) {
    return spark.table(table).count();
  }

  @Test
  void backfillOfJsonLinesGzipAndParquetStoresEachEventOnceEvenWhenLoadedTwice() throws IOException {
    Files.writeString(dir.resolve("a.jsonl"), String.join("\n",
        event("e-1", "impression", "2026-11-22T10:00:00Z", ",\"position\":0"),
        "this is not json",
        event("e-2", "click", "2026-11-22T10:00:05Z", ""),
        event("e-1", "impression", "2026-11-22T10:00:00Z", ",\"position\":0"),
        event("e-3", "like", "2026-11-22T10:00:06Z", "")) + "\n");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("b.jsonl.gz")))) {
      out.write((event("e-4", "rating", "2026-11-22T11:00:00Z", ",\"value\":5") + "\n"
          + event("e-5", "dwell", "2026-11-22T11:00:09Z", ",\"value\":12.5") + "\n").getBytes(StandardCharsets.UTF_8));
    }
    spark.read().json(spark.createDataset(List.of(event("e-6", "purchase", "2026-11-22T12:00:00Z", ",\"value\":19.9")),
        org.apache.spark.sql.Encoders.STRING())).write().parquet(dir.resolve("c.parquet").toString());

    BronzeWrites.Landed first = Backfill.run(spark, new Backfill.Config(dir + "/*"));
    BronzeWrites.Landed second = Backfill.run(spark, new Backfill.Config(dir + "/*"));

    assertEquals(new BronzeWrites.Landed(5, 2), first);
    assertEquals(new BronzeWrites.Landed(0, 0), second);
    assertEquals(5, count(Tables.FEEDBACK_EVENTS.qualifiedName()));
    List<Row> quarantined = spark.table(Tables.FEEDBACK_QUARANTINE.qualifiedName()).orderBy("line").collectAsList();
    assertEquals(List.of("not_json_object", "unknown_event_type"), quarantined.stream().map(r -> r.<String>getAs("reason")).toList());
    assertEquals(List.of(2L, 5L), quarantined.stream().map(r -> r.<Long>getAs("line")).toList());
    assertEquals(List.of("e-1", "e-2", "e-4", "e-5", "e-6"), spark.table(Tables.FEEDBACK_EVENTS.qualifiedName())
        .orderBy("event_id").select("event_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    assertEquals("file:" + dir.resolve("a.jsonl") + ":2",
        spark.table(Tables.FEEDBACK_QUARANTINE.qualifiedName()).where("line = 2")
            .select(dev.flywheel.pipelines.contract.FeedbackValidation.SOURCE).head().getString(0));
  }

  @Test
  void replayLandsTheNowValidRecordsExactlyOnce() {
    spark.sql("INSERT INTO " + Tables.FEEDBACK_QUARANTINE.qualifiedName() + " (quarantine_id, raw, reason, detail,"
        + " source_kind, topic, partition, offset, quarantined_at, quarantine_date) VALUES"
        + " (sha2('kafka:feedback.events/1/41', 256), '" + event("e-7", "click", "2026-11-22T10:00:00Z", "") + "', 'unknown_event_type', 'old rules',"
        + "  'kafka', 'feedback.events', 1, 41, current_timestamp(), current_date()),"
        + " (sha2('kafka:feedback.events/1/42', 256), '{\"event_id\":', 'malformed_json', 'truncated', 'kafka', 'feedback.events', 1, 42,"
        + "  current_timestamp(), current_date())");

    BronzeWrites.Landed first = QuarantineReplay.replay(spark, Optional.empty());
    BronzeWrites.Landed second = QuarantineReplay.replay(spark, Optional.empty());

    assertEquals(1, first.validEvents());
    assertEquals(0, second.validEvents());
    Row landed = spark.table(Tables.FEEDBACK_EVENTS.qualifiedName()).head();
    assertEquals("kafka:feedback.events/1/41", landed.getAs("source"));
    assertEquals(2, count(Tables.FEEDBACK_QUARANTINE.qualifiedName()));
    List<Row> summary = QuarantineReplay.summary(spark).orderBy("reason").collectAsList();
    assertEquals(List.of("malformed_json", "unknown_event_type"), summary.stream().map(r -> r.<String>getAs("reason")).toList());
    assertEquals(List.of(1L, 0L), summary.stream().map(r -> r.<Long>getAs("open")).toList());
  }

  @Test
  void movieLensRatingsBecomeImpressionsRatingsAndClicksOnce() throws IOException {
    Files.writeString(dir.resolve("ratings.csv"), """
        userId,movieId,rating,timestamp
        1,10,4.0,964982703
        1,20,2.5,964982800
        2,10,5.0,964900000
        """);

    BronzeWrites.Landed first = MovieLensImport.run(spark, dir);
    BronzeWrites.Landed second = MovieLensImport.run(spark, dir);

    assertEquals(new BronzeWrites.Landed(8, 0), first);
    assertEquals(new BronzeWrites.Landed(0, 0), second);
    List<Row> events = spark.sql("SELECT event_id, event_type, request_id, position, value, "
        + "cast(event_time AS string) AS t FROM " + Tables.FEEDBACK_EVENTS.qualifiedName() + " ORDER BY event_id")
        .collectAsList();
    assertEquals(List.of(
        "[ml-1-10-click,click,u1-2000-07-30,null,null,2000-07-30 18:45:04]",
        "[ml-1-10-impression,impression,u1-2000-07-30,0,null,2000-07-30 18:45:03]",
        "[ml-1-10-rating,rating,u1-2000-07-30,null,4.0,2000-07-30 18:45:04]",
        "[ml-1-20-impression,impression,u1-2000-07-30,1,null,2000-07-30 18:46:40]",
        "[ml-1-20-rating,rating,u1-2000-07-30,null,3.0,2000-07-30 18:46:41]",
        "[ml-2-10-click,click,u2-2000-07-29,null,null,2000-07-29 19:46:41]",
        "[ml-2-10-impression,impression,u2-2000-07-29,0,null,2000-07-29 19:46:40]",
        "[ml-2-10-rating,rating,u2-2000-07-29,null,5.0,2000-07-29 19:46:41]"),
        events.stream().map(Row::toString).toList());
  }

  @Test
  void aReplayedMicroBatchWritesNothingTwice() {
    StreamingIngest.BatchSink sink = new StreamingIngest.BatchSink("query-1");
    org.apache.spark.sql.Dataset<Row> batch = StreamingIngestTestRows.validated(spark, List.of(
        event("e-10", "click", "2026-11-22T10:00:00Z", ""), "broken"));

    sink.call(batch, 0L);
    sink.call(batch, 0L);
    sink.call(StreamingIngestTestRows.validated(spark, List.of(event("e-11", "click", "2026-11-22T10:00:00Z", ""))),
        1L);
    sink.awaitMetrics(null);

    assertEquals(2, count(Tables.FEEDBACK_EVENTS.qualifiedName()));
    assertEquals(1, count(Tables.FEEDBACK_QUARANTINE.qualifiedName()));
    assertEquals(2, count(Tables.INGEST_BATCHES.qualifiedName()));
  }
}
