package dev.flywheel.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.flywheel.lakehouse.JobBody;
import dev.flywheel.lakehouse.JobRun;
import dev.flywheel.lakehouse.ReadMode;
import dev.flywheel.lakehouse.RowCounts;
import dev.flywheel.lakehouse.RunLedger;
import dev.flywheel.lakehouse.RunRecord;
import dev.flywheel.lakehouse.TableCatalog;
import dev.flywheel.lakehouse.TableSpec;
import io.delta.tables.DeltaTable;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The {@code features} job: bronze to silver to gold, recorded in the run ledger. An incremental run
 * reads only the bronze versions since the last success; {@code FULL} empties silver and gold and
 * replays the whole bronze snapshot through the same steps. Every write goes through
 * {@link JobRun#idempotently} with its own step name, so a retry of a dead run skips what it committed.
 */
public final class FeaturesJob {
  /** The job's name in the ledger. */
  public static final String NAME = "features";

  private FeaturesJob() {}

  /**
   * How far a run goes. {@code SILVER} only attributes the new feedback to silver impressions (what online
   * CTR per model version needs) and records the event-time watermark; gold stays where it was, and the next
   * {@code SILVER_AND_GOLD} run builds the gold slices it skipped from silver (gold reads silver by time
   * range, not the bronze batch), so its tables come out as if every run had built gold.
   */
  public enum Scope {
    SILVER_AND_GOLD, SILVER;

    /** The value the ledger records as the run's {@code scope} parameter. */
    String param() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Runs the job once, then, when gold changed ({@link OnlineSnapshot#export}), exports the online feature
   * snapshot into {@code online}; a {@code SILVER} run exports nothing.
   */
  public static FeaturesResult run(SparkSession spark, FeatureTables tables, FeatureConfig config, ReadMode mode,
      Scope scope, Path online) {
    FeaturesResult result = run(spark, tables, config, mode, scope);
    if (scope == Scope.SILVER_AND_GOLD) {
      OnlineSnapshot.export(spark, tables, online);
    }
    return result;
  }

  /** Runs the job once over silver and gold; creates its tables first when missing. */
  public static FeaturesResult run(SparkSession spark, FeatureTables tables, FeatureConfig config, ReadMode mode) {
    return run(spark, tables, config, mode, Scope.SILVER_AND_GOLD);
  }

  /**
   * Runs the job once as far as {@code scope}; creates its tables first when missing.
   *
   * @throws IllegalArgumentException for a {@code FULL} run of scope {@code SILVER}, which would empty gold
   *     without rebuilding it
   */
  public static FeaturesResult run(SparkSession spark, FeatureTables tables, FeatureConfig config, ReadMode mode,
      Scope scope) {
    if (mode == ReadMode.FULL && scope == Scope.SILVER) {
      throw new IllegalArgumentException("A full features run empties gold and rebuilds it; a silver-only run"
          + " must be incremental");
    }
    TableCatalog.ensureAll(spark, tables.written());
    Body body = new Body(tables, config, mode, scope);
    Map<String, String> params = new LinkedHashMap<>(config.params());
    params.put("scope", scope.param());
    RunRecord record = RunLedger.onDelta(spark, tables.ledger()).execute(NAME, mode,
        List.of(tables.bronze().qualifiedName()), params, body);
    return new FeaturesResult(record, body.feedback, body.progress.examples(), body.progress.frontier());
  }

  /** The work of one run, and what it found; {@link #run} records it in the ledger. */
  static final class Body implements JobBody {
    private final FeatureTables tables;
    private final FeatureConfig config;
    private final ReadMode mode;
    private final Scope scope;
    final Map<String, Long> feedback = new LinkedHashMap<>();
    GoldSteps.Progress progress = new GoldSteps.Progress(null, 0);

    Body(FeatureTables tables, FeatureConfig config, ReadMode mode, Scope scope) {
      this.tables = tables;
      this.config = config;
      this.mode = mode;
      this.scope = scope;
    }

    @Override
    public RowCounts apply(JobRun run) {
      SparkSession spark = run.spark();
      if (mode == ReadMode.FULL) {
        for (TableSpec table : tables.written()) {
          run.idempotently(table.qualifiedName(), "reset",
              () -> DeltaTable.forName(spark, table.qualifiedName()).delete());
        }
      }
      GoldSteps.Stored global = GoldSteps.stored(spark, tables);
      Timestamp seen = global.watermark();
      Dataset<Row> fresh = SilverImpressions.distinctEvents(EventTimeWatermark.withWatermark(
          bronzeWithCommits(run, tables.bronze().qualifiedName(), mode), seen)).persist(StorageLevel.MEMORY_AND_DISK());
      // One pass over the batch for its size and its latest event time (the watermark after it).
      Row batch = fresh.agg(count(lit(1)), max(col("event_time"))).head();
      long rowsIn = batch.getLong(0);
      Timestamp watermark = EventTimeWatermark.later(seen, batch.isNullAt(1) ? null : batch.getTimestamp(1));
      feedback.put("late_impressions", updateImpressions(run, tables, config, fresh));
      feedback.putAll(attributeFeedback(run, tables, config, fresh));
      progress = scope == Scope.SILVER ? GoldSteps.keepFrontier(run, tables, global, watermark)
          : GoldSteps.advance(run, tables, config, global, watermark);
      fresh.unpersist();
      return new RowCounts(rowsIn, progress.examples());
    }
  }

  /** MERGEs the batch's impressions into silver with their sessions; returns the impressions too late to count. */
  static long updateImpressions(JobRun run, FeatureTables tables, FeatureConfig config, Dataset<Row> fresh) {
    SparkSession spark = run.spark();
    Dataset<Row> all = SilverImpressions.impressions(fresh);
    Column inTime = SilverImpressions.inTime(config.allowedLateness());
    Row bounds = all.agg(count(when(not(inTime), 1)), min(when(inTime, col("event_time")))).head();
    if (bounds.isNullAt(1)) {
      return bounds.getLong(0);
    }
    Timestamp from = new Timestamp(bounds.getTimestamp(1).getTime()
        - config.allowedLateness().plus(config.sessionGap()).toMillis());
    List<String> columns = new ArrayList<>(List.of(SilverImpressions.IMPRESSION_COLUMNS));
    Dataset<Row> recent = spark.table(tables.impressions()).where(col("event_time").geq(lit(from)))
        .selectExpr(withStoredSession(columns));
    Dataset<Row> arriving = SilverImpressions.firstPerKey(all.where(inTime).drop(EventTimeWatermark.WATERMARK))
        .withColumn("stored_session_start", lit(null).cast("timestamp"));
    Dataset<Row> winners = SilverImpressions.firstPerKey(recent.unionByName(arriving));
    Dataset<Row> affectedUsers = winners.where(col("stored_session_start").isNull()).select("user_id").distinct();
    Dataset<Row> changed = Sessions.assign(winners.join(affectedUsers, Joins.on("user_id"), "left_semi"),
            config.sessionGap())
        .where(col("stored_session_start").isNull().or(not(col("stored_session_start").eqNullSafe(col("session_start")))))
        .drop("stored_session_start");
    Dataset<Row> source = SilverImpressions.withEmptyLabels(changed);
    Map<String, Column> refresh = new LinkedHashMap<>();
    for (String column : columns) {
      refresh.put(column, col("s." + column));
    }
    refresh.put("session_id", col("s.session_id"));
    refresh.put("session_start", col("s.session_start"));
    refresh.put("event_date", col("s.event_date"));
    Column sameOrEarlier = col("s.event_id").equalTo(col("t.event_id"))
        .or(col("s.event_time").lt(col("t.event_time")))
        .or(col("s.event_time").equalTo(col("t.event_time")).and(col("s.event_id").lt(col("t.event_id"))));
    run.idempotently(tables.impressions(), "impressions", () ->
        DeltaTable.forName(spark, tables.impressions()).as("t")
            .merge(source.as("s"), keyMatch())
            .whenMatched(sameOrEarlier).update(refresh)
            .whenNotMatched().insertAll()
            .execute());
    return bounds.getLong(0);
  }

  private static String[] withStoredSession(List<String> columns) {
    List<String> expressions = new ArrayList<>(columns);
    expressions.add("session_start AS stored_session_start");
    return expressions.toArray(String[]::new);
  }

  /**
   * Attributes the batch's feedback, and the feedback still waiting for its impression, to silver
   * impressions (MERGE), and keeps feedback of unknown impressions waiting; returns counts by outcome.
   */
  static Map<String, Long> attributeFeedback(JobRun run, FeatureTables tables, FeatureConfig config,
      Dataset<Row> fresh) {
    SparkSession spark = run.spark();
    Dataset<Row> waiting = spark.table(tables.unattributed()).select(Joins.columns(FeedbackAttribution.FEEDBACK_COLUMNS))
        .withColumn("pending", lit(true));
    Dataset<Row> arriving = FeedbackAttribution.labelFeedback(fresh)
        .join(waiting.select("event_id"), Joins.on("event_id"), "left_anti")
        .withColumn("pending", lit(false));
    Dataset<Row> candidates = waiting.unionByName(arriving);
    Dataset<Row> classified = FeedbackAttribution.classify(candidates,
        spark.table(tables.impressions()), config).persist(StorageLevel.MEMORY_AND_DISK());
    Map<String, Long> outcomes = new LinkedHashMap<>();
    for (Row row : classified.groupBy("pending", "attribution").count().collectAsList()) {
      outcomes.put((row.getBoolean(0) ? "pending_" : "") + row.getString(1), row.getLong(2));
    }
    // Read twice (the duplicate count and the MERGE): kept rather than aggregated again.
    Dataset<Row> labels = ImpressionLabels.aggregate(
        classified.where(col("attribution").equalTo(FeedbackAttribution.ATTRIBUTED)))
        .persist(StorageLevel.MEMORY_AND_DISK());
    Row duplicates = labels.agg(sum(when(col("clicks").gt(1), col("clicks").minus(1)).otherwise(0))).head();
    outcomes.put("duplicate_clicks", duplicates.isNullAt(0) ? 0 : duplicates.getLong(0));
    run.idempotently(tables.impressions(), "labels", () ->
        DeltaTable.forName(spark, tables.impressions()).as("t")
            .merge(labels.as("s"), keyMatch())
            .whenMatched().update(ImpressionLabels.fold("t", "s"))
            .execute());
    Column unknown = col("attribution").equalTo(FeedbackAttribution.UNKNOWN_IMPRESSION);
    Dataset<Row> waitingChanges = classified.where(unknown.or(col("pending"))).withColumn("still_unknown", unknown);
    run.idempotently(tables.unattributed(), "waiting", () ->
        DeltaTable.forName(spark, tables.unattributed()).as("t")
            .merge(waitingChanges.as("s"), col("t.event_id").equalTo(col("s.event_id")))
            .whenMatched(not(col("s.still_unknown"))).delete()
            .whenNotMatched(col("s.still_unknown")).insertExpr(insertFeedback())
            .execute());
    labels.unpersist();
    classified.unpersist();
    return outcomes;
  }

  private static Map<String, String> insertFeedback() {
    Map<String, String> insert = new LinkedHashMap<>();
    for (String column : FeedbackAttribution.FEEDBACK_COLUMNS) {
      insert.put(column, "s." + column);
    }
    return insert;
  }

  private static Column keyMatch() {
    return col("t.request_id").equalTo(col("s.request_id")).and(col("t.item_id").equalTo(col("s.item_id")));
  }

  /**
   * The bronze rows the run reads, each with the version of the commit that inserted it: the change
   * feed's {@code _commit_version} over the planned range, or for {@code FULL} the snapshot's row tracking
   * ({@code _metadata.row_commit_version}, kept through OPTIMIZE, unlike the old versions' files).
   */
  static Dataset<Row> bronzeWithCommits(JobRun run, String bronze, ReadMode mode) {
    if (mode == ReadMode.FULL) {
      return run.snapshot(bronze)
          .withColumn(EventTimeWatermark.COMMIT_VERSION, col("_metadata.row_commit_version"));
    }
    return run.changes(bronze).where(col("_change_type").equalTo("insert"))
        .withColumn(EventTimeWatermark.COMMIT_VERSION, col("_commit_version"))
        .drop(TableCatalog.CHANGE_COLUMNS.toArray(String[]::new));
  }
}
