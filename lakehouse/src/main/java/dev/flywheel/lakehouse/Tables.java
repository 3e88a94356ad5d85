package dev.flywheel.lakehouse;

import static dev.flywheel.lakehouse.Columns.optional;
import static dev.flywheel.lakehouse.Columns.required;
import static org.apache.spark.sql.types.DataTypes.DateType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createMapType;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.StructType;

/**
 * The table catalog as code: every table Flywheel owns, with its meaning, columns, partitioning
 * and properties. {@code flywheel init} creates or migrates exactly these. Analysts read the same
 * comments with {@code DESCRIBE TABLE}.
 */
public final class Tables {
  private Tables() {}

  /** Feedback events that passed the contract, stored once per {@code event_id}. */
  public static final TableSpec FEEDBACK_EVENTS = new TableSpec(
      "bronze", "feedback_events",
      "Valid feedback events (contract feedback-event-v1), one row per event_id, append-only",
      new StructType()
          .add(required("event_id", StringType, "Globally unique event id; a resent event is stored once"))
          .add(required("event_type", StringType, "impression, click, add_to_cart, purchase, rating or dwell"))
          .add(required("event_time", TimestampType, "When the user saw or did it (UTC)"))
          .add(required("user_id", StringType, "User the event belongs to"))
          .add(required("item_id", StringType, "Item shown or acted on"))
          .add(required("request_id", StringType, "Ranking request that showed the item"))
          .add(optional("surface", StringType, "search, recommendation or another surface name"))
          .add(optional("query", StringType, "Search text when surface = search"))
          .add(optional("position", IntegerType, "0-based rank of the impression"))
          .add(optional("model_version", StringType, "Model version that ranked the list"))
          .add(optional("value", DoubleType, "rating 1..5, dwell seconds, or purchase amount"))
          .add(optional("context", createMapType(StringType, StringType), "Free context, e.g. device, country"))
          .add(required("schema_version", IntegerType, "Contract version of the event"))
          .add(required("source", StringType, "Where it came from: kafka:<topic>/<partition>/<offset>, or <file URI>:<line>"))
          .add(required("ingested_at", TimestampType, "When Flywheel committed the event"))
          .add(required("event_date", DateType, "UTC date of event_time (partition)")),
      List.of("event_date"), List.of("user_id"), TableSpec.APPEND_ONLY);

  /** Records that failed the contract, kept whole with the reason, for inspection and replay. */
  public static final TableSpec FEEDBACK_QUARANTINE = new TableSpec(
      "bronze", "feedback_quarantine",
      "Records that failed validation, with raw payload, reason and source coordinates, append-only",
      new StructType()
          .add(required("quarantine_id", StringType, "Stable id of the record, derived from its source coordinates"))
          .add(optional("raw", StringType, "The record as received (UTF-8, invalid bytes replaced)"))
          .add(required("reason", StringType, "Machine-readable reason, e.g. missing_field, not_json, too_large"))
          .add(optional("detail", StringType, "Human-readable detail of the reason"))
          .add(optional("event_id", StringType, "event_id when it could be read"))
          .add(required("source_kind", StringType, "kafka, file or replay"))
          .add(optional("topic", StringType, "Kafka topic"))
          .add(optional("partition", IntegerType, "Kafka partition"))
          .add(optional("offset", LongType, "Kafka offset"))
          .add(optional("kafka_key", StringType, "Kafka record key"))
          .add(optional("file", StringType, "Source file (URI) of a backfill"))
          .add(optional("line", LongType, "1-based line (JSONL) or row (Parquet) in the file"))
          .add(required("quarantined_at", TimestampType, "When the record was quarantined"))
          .add(required("quarantine_date", DateType, "UTC date of quarantined_at (partition)")),
      List.of("quarantine_date"), List.of("reason"), TableSpec.APPEND_ONLY);

  private static final StructType INPUT_RANGE = new StructType()
      .add(optional("table", StringType, "Input table"))
      .add(optional("from_version", LongType, "First Delta version consumed"))
      .add(optional("to_version", LongType, "Last Delta version consumed"));

  private static final StructType OUTPUT_COMMIT = new StructType()
      .add(optional("table", StringType, "Output table"))
      .add(optional("version", LongType, "Delta version holding the run's write"))
      .add(optional("rows", LongType, "Rows the write added or changed"));

  /** The run ledger: one row per state change of a job run (running, then succeeded or failed). */
  public static final TableSpec JOB_RUNS = new TableSpec(
      "ops", "job_runs",
      "Run ledger: every job run with what it read and wrote, by Delta version; one row per state change",
      new StructType()
          .add(required("run_id", StringType, "Id of the attempt"))
          .add(required("job", StringType, "Job name, e.g. features"))
          .add(required("sequence", LongType, "Run number of the job; a retry of an unfinished run keeps it"))
          .add(required("attempt", IntegerType, "1 for the first attempt of a sequence, 2.. for retries"))
          .add(required("status", StringType, "running, succeeded or failed"))
          .add(required("started_at", TimestampType, "Start of the attempt"))
          .add(optional("ended_at", TimestampType, "End of the attempt"))
          .add(optional("error", StringType, "Failure message"))
          .add(optional("params", createMapType(StringType, StringType), "Job parameters"))
          .add(optional("inputs", createArrayType(INPUT_RANGE), "Input tables and the Delta version range read"))
          .add(optional("outputs", createArrayType(OUTPUT_COMMIT), "Output tables and the version written"))
          .add(optional("rows_in", LongType, "Rows read"))
          .add(optional("rows_out", LongType, "Rows written"))
          .add(required("recorded_at", TimestampType, "When this row was written")),
      List.of(), List.of(), Map.of("delta.appendOnly", "true"));

  /** One row per micro-batch of the streaming ingest: its size, outcome and event-to-commit latency. */
  public static final TableSpec INGEST_BATCHES = new TableSpec(
      "ops", "ingest_batches",
      "Streaming ingest micro-batches: records in, valid, quarantined, event-to-commit latency",
      new StructType()
          .add(required("query_id", StringType, "Stable id of the ingest query (its checkpoint)"))
          .add(required("batch_id", LongType, "Micro-batch id"))
          .add(required("records", LongType, "Records in the batch after deduplication"))
          .add(required("valid", LongType, "Records appended to bronze.feedback_events"))
          .add(required("quarantined", LongType, "Records appended to bronze.feedback_quarantine"))
          .add(optional("latency_p50_ms", LongType, "Median time from arrival in Kafka to the bronze commit"))
          .add(optional("latency_p99_ms", LongType, "99th percentile of arrival-to-commit time"))
          .add(optional("latency_max_ms", LongType, "Longest arrival-to-commit time"))
          .add(required("committed_at", TimestampType, "When the batch's bronze commit finished"))
          .add(optional("bronze_version", LongType, "Delta version of bronze.feedback_events after the batch")),
      List.of(), List.of(), Map.of("delta.appendOnly", "true"));

  /** Every table of the catalog, in creation order. */
  public static List<TableSpec> all() {
    return List.of(FEEDBACK_EVENTS, FEEDBACK_QUARANTINE, JOB_RUNS, INGEST_BATCHES);
  }
}
