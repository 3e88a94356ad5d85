package dev.flywheel.lakehouse;

import static dev.flywheel.lakehouse.Columns.optional;
import static dev.flywheel.lakehouse.Columns.required;
import static org.apache.spark.sql.types.DataTypes.BooleanType;
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
      List.of("event_date"), List.of("user_id"), TableSpec.APPEND_ONLY_TRACKED)
      .withoutDictionaryEncoding("event_id", "event_time", "source");

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

  /** Impressions with their attributed labels: the silver table the gold features are built from. */
  public static final TableSpec IMPRESSIONS = new TableSpec(
      "silver", "impressions",
      "One row per impression (request_id, item_id), first impression wins, with labels attributed from its feedback",
      new StructType()
          .add(required("request_id", StringType, "Ranking request that showed the item"))
          .add(required("item_id", StringType, "Item shown"))
          .add(required("event_id", StringType, "event_id of the impression kept (the earliest one)"))
          .add(required("user_id", StringType, "User who saw the item"))
          .add(required("event_time", TimestampType, "When the item was shown (UTC)"))
          .add(optional("surface", StringType, "search, recommendation or another surface name"))
          .add(optional("query", StringType, "Search text when surface = search"))
          .add(optional("position", IntegerType, "0-based rank at which the item was shown"))
          .add(optional("model_version", StringType, "Model version that ranked the list"))
          .add(optional("device", StringType, "context.device of the impression (mobile, desktop, ...)"))
          .add(optional("session_id", StringType, "user_id/epoch-seconds of the first impression of the user's session"))
          .add(optional("session_start", TimestampType, "First impression of the session (a session ends after the inactivity gap)"))
          .add(optional("clicked", BooleanType, "A click arrived within the click window after the impression"))
          .add(optional("first_click_time", TimestampType, "Time of the first attributed click"))
          .add(optional("clicks", LongType, "Distinct attributed click events (duplicates by event_id count once)"))
          .add(optional("purchased", BooleanType, "A purchase arrived within the conversion window"))
          .add(optional("purchase_time", TimestampType, "Time of the first attributed purchase"))
          .add(optional("purchase_amount", DoubleType, "Sum of the attributed purchase amounts"))
          .add(optional("rating", DoubleType, "Latest attributed rating 1..5"))
          .add(optional("rating_time", TimestampType, "Time of that rating"))
          .add(optional("dwell_seconds", DoubleType, "Sum of the attributed dwell seconds"))
          .add(optional("dwell_time", TimestampType, "Time of the latest attributed dwell event"))
          .add(required("ingested_at", TimestampType, "When bronze committed the impression"))
          .add(required("event_date", DateType, "UTC date of event_time (partition)")),
      List.of("event_date"), List.of("user_id"), TableSpec.CHANGE_FEED);

  /** Feedback whose impression is not (yet) known: counted, kept for a later impression, never invented. */
  public static final TableSpec UNATTRIBUTED_FEEDBACK = new TableSpec(
      "silver", "unattributed_feedback",
      "Feedback events whose impression (request_id, item_id) has not been seen; attributed and removed when it arrives",
      new StructType()
          .add(required("event_id", StringType, "Feedback event id"))
          .add(required("event_type", StringType, "click, add_to_cart, purchase, rating or dwell"))
          .add(required("event_time", TimestampType, "When the user acted (UTC)"))
          .add(required("user_id", StringType, "User"))
          .add(required("item_id", StringType, "Item acted on"))
          .add(required("request_id", StringType, "Request of the impression it answers"))
          .add(optional("value", DoubleType, "rating, dwell seconds or purchase amount"))
          .add(required("ingested_at", TimestampType, "When bronze committed the event"))
          .add(optional("watermark", TimestampType,
              "Latest event_time of the bronze commits before the event's own: it is too late when this passed"
                  + " its impression's time + window + allowed lateness")),
      List.of(), List.of(), TableSpec.CHANGE_FEED);

  /** The running counts every gold entity table carries, in the order they are stored. */
  private static StructType runningState(StructType keys) {
    return keys
        .add(optional("impressions", LongType, "Impressions before the frontier gold.global_features.as_of"))
        .add(optional("clicks", LongType, "Impressions with an attributed click, counted at the click's time"))
        .add(optional("purchases", LongType, "Impressions with an attributed purchase, counted at the purchase's time"))
        .add(optional("ratings", LongType, "Ratings"))
        .add(optional("rating_sum", DoubleType, "Sum of the ratings"))
        .add(optional("positive_ratings", LongType, "Ratings >= 4"))
        .add(optional("dwells", LongType, "Impressions with dwell time"))
        .add(optional("dwell_sum", DoubleType, "Sum of dwell seconds"))
        .add(optional("decayed_impressions_short", DoubleType,
            "Impressions, each weighted 2^(-age/short half-life), valued at last_event_time"))
        .add(optional("decayed_impressions_mid", DoubleType, "Impressions weighted with the mid half-life"))
        .add(optional("decayed_impressions_long", DoubleType, "Impressions weighted with the long half-life"))
        .add(optional("decayed_clicks_short", DoubleType, "Clicks weighted with the short half-life"))
        .add(optional("decayed_clicks_mid", DoubleType, "Clicks weighted with the mid half-life"))
        .add(optional("decayed_clicks_long", DoubleType, "Clicks weighted with the long half-life"))
        .add(optional("decayed_ratings_short", DoubleType, "Ratings weighted with the short half-life"))
        .add(optional("decayed_ratings_mid", DoubleType, "Ratings weighted with the mid half-life"))
        .add(optional("decayed_ratings_long", DoubleType, "Ratings weighted with the long half-life"))
        .add(optional("decayed_positive_ratings_short", DoubleType, "Ratings >= 4 weighted with the short half-life"))
        .add(optional("decayed_positive_ratings_mid", DoubleType, "Ratings >= 4 weighted with the mid half-life"))
        .add(optional("decayed_positive_ratings_long", DoubleType, "Ratings >= 4 weighted with the long half-life"))
        .add(optional("first_event_time", TimestampType, "First impression or feedback event"))
        .add(optional("last_event_time", TimestampType, "Latest impression or feedback event (recency)"))
        .add(optional("last_rating", DoubleType, "The latest rating (the highest of its instant's)"))
        .add(optional("last_rating_time", TimestampType, "Time of the latest rating"))
        .add(optional("ctr", DoubleType, "(clicks + m * global ctr) / (impressions + m), global ctr just before"
            + " last_event_time: CTR smoothed towards the global rate (raw rate in gold.global_features)"))
        .add(optional("positive_rate", DoubleType, "(positive_ratings + m * global rate) / (ratings + m), likewise"))
        .add(optional("avg_rating", DoubleType, "rating_sum / ratings"))
        .add(optional("avg_dwell", DoubleType, "dwell_sum / dwells"));
  }

  /** Per-user running state at the settled frontier. */
  public static final TableSpec USER_FEATURES = new TableSpec(
      "gold", "user_features", "Per-user feedback counts, decayed counts, smoothed rates and recency up to the gold frontier",
      runningState(new StructType().add(required("user_id", StringType, "User"))),
      List.of(), List.of(), TableSpec.CHANGE_FEED);

  /** Per-item running state at the settled frontier. */
  public static final TableSpec ITEM_FEATURES = new TableSpec(
      "gold", "item_features", "Per-item feedback counts, decayed counts, smoothed rates and recency up to the gold frontier",
      runningState(new StructType().add(required("item_id", StringType, "Item"))),
      List.of(), List.of(), TableSpec.CHANGE_FEED);

  /** Per (query, item) running state at the settled frontier, for search impressions. */
  public static final TableSpec QUERY_ITEM_FEATURES = new TableSpec(
      "gold", "query_item_features",
      "Per (query, item) feedback counts, decayed counts, smoothed rates and recency up to the gold frontier",
      runningState(new StructType()
          .add(required("query", StringType, "Search text"))
          .add(required("item_id", StringType, "Item"))),
      List.of(), List.of(), TableSpec.CHANGE_FEED);

  /** The whole platform's running state: the prior the smoothed rates shrink towards, and the frontier. */
  public static final TableSpec GLOBAL_FEATURES = new TableSpec(
      "gold", "global_features",
      "One row: platform-wide counts at the frontier as_of (the smoothing prior) and the event-time watermark",
      runningState(new StructType().add(required("scope", StringType, "Always 'all'")))
          .add(optional("as_of", TimestampType, "The settled frontier: every gold count covers exactly the events before it"))
          .add(optional("watermark", TimestampType,
              "Latest bronze event_time seen (event time, not ingest time); as_of = watermark - longest window"
                  + " - allowed lateness")),
      List.of(), List.of(), TableSpec.CHANGE_FEED);

  /** The numeric features of a training example per entity prefix (u_, i_, qi_), in stored order. */
  public static final List<String> EXAMPLE_FEATURES = List.of(
      "impressions", "clicks", "purchases", "ratings", "ctr", "positive_rate", "avg_rating", "avg_dwell",
      "decayed_impressions_short", "decayed_impressions_mid", "decayed_impressions_long",
      "decayed_clicks_short", "decayed_clicks_mid", "decayed_clicks_long",
      "decayed_positive_rate_short", "decayed_positive_rate_mid", "decayed_positive_rate_long",
      "decayed_ctr_short", "decayed_ctr_mid", "decayed_ctr_long",
      "last_rating", "seconds_since_last");

  /** How the example features that are not a gold column are computed, appended to their column comment. */
  private static final Map<String, String> EXAMPLE_FEATURE_NOTES = Map.of(
      "decayed_ctr_short", ": (decayed_clicks_short + m * ctr) / (decayed_impressions_short + m), decayed counts"
          + " valued at event_time: the recent CTR",
      "decayed_ctr_mid", ": likewise with the mid half-life",
      "decayed_ctr_long", ": likewise with the long half-life",
      "seconds_since_last", ": event_time - last_event_time in whole seconds",
      "decayed_positive_rate_short", ": (decayed_positive_ratings_short + m * positive_rate)"
          + " / (decayed_ratings_short + m), decayed counts valued at event_time: the recent positive rate",
      "decayed_positive_rate_mid", ": likewise with the mid half-life",
      "decayed_positive_rate_long", ": likewise with the long half-life");

  /** Entity prefixes of the training-example features: user, item, query-item. */
  public static final List<String> EXAMPLE_PREFIXES = List.of("u_", "i_", "qi_");

  private static StructType exampleColumns() {
    StructType schema = new StructType()
        .add(required("request_id", StringType, "Ranking request of the impression"))
        .add(required("item_id", StringType, "Item shown"))
        .add(required("user_id", StringType, "User"))
        .add(required("event_time", TimestampType, "Impression time; every feature uses only events strictly before it"))
        .add(optional("query", StringType, "Search text"))
        .add(optional("surface", StringType, "Context: surface"))
        .add(optional("device", StringType, "Context: device"))
        .add(optional("position", IntegerType, "Context: 0-based position"))
        .add(optional("hour_of_day", IntegerType, "Context: UTC hour of the impression"))
        .add(optional("model_version", StringType, "Model that ranked the list"))
        .add(optional("session_id", StringType, "Session of the impression"))
        .add(optional("clicked", BooleanType, "Label: clicked within the click window"))
        .add(optional("purchased", BooleanType, "Label: purchased within the conversion window"))
        .add(optional("rating", DoubleType, "Label: rating when present"))
        .add(optional("positive", BooleanType, "Label: rating >= 4 (null without a rating)"))
        .add(optional("dwell_seconds", DoubleType, "Label: dwell seconds when present"))
        .add(optional("user_bucket", LongType, "pmod(xxhash64(user_id), buckets): hashed id for factorization models"))
        .add(optional("item_bucket", LongType, "pmod(xxhash64(item_id), buckets)"))
        .add(optional("g_ctr", DoubleType, "Global CTR before the impression (the smoothing prior)"))
        .add(optional("g_positive_rate", DoubleType, "Global rate of ratings >= 4 before the impression"));
    for (String prefix : EXAMPLE_PREFIXES) {
      for (String feature : EXAMPLE_FEATURES) {
        schema = schema.add(optional(prefix + feature, DoubleType, prefix + " entity's " + feature
            + " from events strictly before event_time" + EXAMPLE_FEATURE_NOTES.getOrDefault(feature, "")));
      }
    }
    return schema.add(required("event_date", DateType, "UTC date of event_time (partition)"));
  }

  /** Point-in-time correct training examples: one per matured impression. */
  public static final TableSpec TRAINING_EXAMPLES = new TableSpec(
      "gold", "training_examples",
      "One row per impression whose labels are final, with features from events strictly before it",
      exampleColumns(), List.of("event_date"), List.of("user_id"), TableSpec.CHANGE_FEED);

  /** Versioned normalization statistics, so training and serving normalize identically. */
  public static final TableSpec FEATURE_STATS = new TableSpec(
      "gold", "feature_stats",
      "Normalization statistics of every training-example feature, one row per (stats_version, feature)",
      new StructType()
          .add(required("stats_version", LongType, "Version; every run that adds examples writes the next one"))
          .add(required("feature", StringType, "Column of gold.training_examples"))
          .add(required("transform", StringType, "log1p_zscore (counts) or zscore: (t(x) - mean) / stddev"))
          .add(optional("n", LongType, "Non-null values seen"))
          .add(optional("sum", DoubleType, "Sum of t(x)"))
          .add(optional("sum_sq", DoubleType, "Sum of t(x)^2"))
          .add(optional("min", DoubleType, "Smallest t(x)"))
          .add(optional("max", DoubleType, "Largest t(x)"))
          .add(optional("mean", DoubleType, "sum / n"))
          .add(optional("stddev", DoubleType, "Population standard deviation of t(x)"))
          .add(required("as_of", TimestampType, "Frontier of the examples the statistics cover")),
      List.of(), List.of(), TableSpec.CHANGE_FEED);

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

  /**
   * The model registry: one row per trained model version, with everything needed to rebuild it by
   * time travel (training window, input Delta versions, parameters, code version) and to judge it.
   * Exactly one row has status champion once a model was promoted; promotions are Delta UPDATEs whose
   * conflict detection makes one of two racing promotions fail.
   */
  public static final TableSpec MODEL_VERSIONS = new TableSpec(
      "ml", "model_versions",
      "Model registry: one row per trained model version, its lineage, metrics, gate decision and status",
      new StructType()
          .add(required("version", LongType, "Model version, monotonic: 1 + the largest registered version"))
          .add(optional("parent_version", LongType, "Champion the version was compared with and warm-started from"))
          .add(required("created_at", TimestampType, "When the version was registered"))
          .add(optional("code_version", StringType, "Flywheel build that trained it (jar implementation version)"))
          .add(optional("label", StringType, "Label column the model predicts: clicked or positive"))
          .add(optional("train_from", TimestampType, "Earliest event_time of the examples it trained on"))
          .add(optional("train_to", TimestampType, "Latest event_time of the examples it trained on (the next"
              + " incremental run starts after it)"))
          .add(optional("input_versions", createMapType(StringType, LongType),
              "Delta version of every input table read, so the training set can be rebuilt by time travel"))
          .add(optional("params", createMapType(StringType, StringType), "Training parameters"))
          .add(optional("metrics", createMapType(StringType, DoubleType),
              "Holdout metrics: auc, log_loss, calibration_error, ndcg_at_10, mrr of the model, and per learner"
              + " as <learner>.<metric> (lr, xgboost, average, stack, champion)"))
          .add(optional("warm_start", createMapType(StringType, BooleanType),
              "Per base learner: whether it continued from the parent's model"))
          .add(required("status", StringType, "candidate, champion, archived or rejected"))
          .add(optional("gate_decision", StringType, "promote or reject"))
          .add(optional("gate_reason", StringType, "Why the gate decided so, with the compared values"))
          .add(optional("artifact_location", StringType, "Folder of the trained Spark ML models (models/run-<id>/spark: lr, xgboost, stack)"))
          .add(optional("promoted_at", TimestampType, "When the version last became champion")),
      List.of(), List.of(), Map.of());

  /** Every table of the catalog, in creation order. */
  public static List<TableSpec> all() {
    return List.of(FEEDBACK_EVENTS, FEEDBACK_QUARANTINE, JOB_RUNS, INGEST_BATCHES, IMPRESSIONS,
        UNATTRIBUTED_FEEDBACK, USER_FEATURES, ITEM_FEATURES, QUERY_ITEM_FEATURES, GLOBAL_FEATURES, TRAINING_EXAMPLES,
        FEATURE_STATS, MODEL_VERSIONS);
  }
}
