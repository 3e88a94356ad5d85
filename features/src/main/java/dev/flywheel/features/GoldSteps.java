package dev.flywheel.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import dev.flywheel.lakehouse.JobRun;
import io.delta.tables.DeltaTable;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The gold half of the features job. Gold advances a settled frontier ({@code as_of} of
 * gold.global_features): the event-time watermark (the latest event time in bronze) minus the longest
 * attribution window and the allowed lateness. Every event before the frontier that is not too late has
 * arrived and every impression before it has its final labels, so an example emitted once never changes.
 * A run moves the frontier in one slice whose cost grows with the events in the slice (silver is read by
 * time range, pruned by its date partitions), not with history; a slice may span years (a historical
 * load), see {@link PointInTimeFeatures} for why the decayed sums stay finite.
 */
final class GoldSteps {
  /** How far gold got: its frontier and the examples this run wrote. */
  record Progress(Timestamp frontier, long examples) {}

  private static final List<Entity> PER_KEY = List.of(Entity.USER, Entity.ITEM, Entity.QUERY_ITEM);

  private GoldSteps() {}

  /**
   * The one row of gold.global_features as the run found it: the frontier and the event-time watermark (the
   * latest event time of the bronze rows already consumed), each null before the first run that set it.
   */
  record Stored(boolean present, Timestamp frontier, Timestamp watermark) {}

  /** Reads the stored frontier and watermark (once per run: the silver writes do not change them). */
  static Stored stored(SparkSession spark, FeatureTables tables) {
    List<Row> global = spark.table(tables.global()).select("as_of", "watermark").collectAsList();
    return global.isEmpty() ? new Stored(false, null, null)
        : new Stored(true, global.get(0).getTimestamp(0), global.get(0).getTimestamp(1));
  }

  /**
   * Stores {@code watermark} (the latest event time in bronze so far), moves the frontier from where
   * {@code global} had it to the watermark minus the settle delay, then the statistics.
   */
  static Progress advance(JobRun run, FeatureTables tables, FeatureConfig config, Stored global,
      Timestamp watermark) {
    SparkSession spark = run.spark();
    Timestamp stored = global.frontier();
    Timestamp frontier = stored;
    if (frontier == null) {
      Row first = spark.table(tables.impressions()).agg(min(col("event_time"))).head();
      frontier = first.isNullAt(0) ? null : first.getTimestamp(0);
    }
    if (watermark == null) {
      return new Progress(frontier, 0);
    }
    Timestamp target = new Timestamp(watermark.getTime() - config.settleDelay().toMillis());
    long examples = 0;
    if (frontier != null && frontier.before(target)) {
      examples = slice(run, tables, config, frontier, target);
      frontier = target;
    }
    if (!global.present() || !Objects.equals(frontier, stored) || !watermark.equals(global.watermark())) {
      recordFrontier(run, tables, frontier, watermark);
    }
    if (frontier != null) {
      accumulateStats(run, tables, frontier);
    }
    return new Progress(frontier, examples);
  }

  /**
   * Stores {@code watermark} and leaves the frontier where {@code global} had it: a silver-only run, whose
   * bronze rows the next run will not read again, so their latest event time must not be lost.
   */
  static Progress keepFrontier(JobRun run, FeatureTables tables, Stored global, Timestamp watermark) {
    if (watermark != null && !watermark.equals(global.watermark())) {
      recordFrontier(run, tables, global.frontier(), watermark);
    }
    return new Progress(global.frontier(), 0);
  }

  /**
   * The queries of one slice: the examples of [from, until) and every entity's advanced state.
   *
   * @param events the slice's feature events, each with the global rates just before it
   * @param examples the training examples of the slice
   * @param advanced the new state of every touched key, per entity, global last
   */
  record SlicePlan(Dataset<Row> events, Dataset<Row> examples, Map<Entity, Dataset<Row>> advanced) {}

  /** Plans the slice [from, until) on the current tables; {@code cache} keeps the shared events in memory. */
  static SlicePlan plan(SparkSession spark, FeatureTables tables, FeatureConfig config, Timestamp from,
      Timestamp until, boolean cache) {
    Timestamp oldestImpression = new Timestamp(from.getTime() - config.longestWindow().toMillis());
    Dataset<Row> silver = spark.table(tables.impressions())
        .where(col("event_time").geq(lit(oldestImpression)).and(col("event_time").lt(lit(until))));
    Dataset<Row> slice = FeatureEvents.between(silver, from, until);
    Dataset<Row> events = slice.join(
        PointInTimeFeatures.globalRatesBeforeEach(slice, spark.table(tables.global())), Joins.on("ts"));
    if (cache) {
      events = events.persist(StorageLevel.MEMORY_AND_DISK());
    }
    List<Dataset<Row>> features = new ArrayList<>();
    for (Entity entity : PER_KEY) {
      features.add(TrainingExamples.entityFeatures(PointInTimeFeatures.beforeEach(events,
          spark.table(tableOf(tables, entity)), entity, from, config), entity, config.priorStrength()));
    }
    Dataset<Row> examples = TrainingExamples.assemble(
        silver.where(col("event_time").geq(lit(from))), events, features, config.hashBuckets());
    Map<Entity, Dataset<Row>> advanced = new LinkedHashMap<>();
    for (Entity entity : PER_KEY) {
      advanced.put(entity, PointInTimeFeatures.advance(events, spark.table(tableOf(tables, entity)), entity,
          config));
    }
    advanced.put(Entity.GLOBAL, PointInTimeFeatures.advance(events, spark.table(tables.global()), Entity.GLOBAL,
        config).withColumn("as_of", lit(until)));
    return new SlicePlan(events, examples, advanced);
  }

  /**
   * Emits the examples of [from, until), then advances every entity's state past it (each table is
   * read just before its own MERGE, global last); returns the examples written.
   */
  private static long slice(JobRun run, FeatureTables tables, FeatureConfig config, Timestamp from, Timestamp until) {
    SlicePlan plan = plan(run.spark(), tables, config, from, until, true);
    String step = "@" + PointInTimeFeatures.micros(from);
    long written = run.idempotently(tables.examples(), "examples" + step,
        () -> plan.examples().write().format("delta").mode("append").saveAsTable(tables.examples())).rows();
    for (Map.Entry<Entity, Dataset<Row>> state : plan.advanced().entrySet()) {
      Entity entity = state.getKey();
      upsert(run, tableOf(tables, entity), entity, entity.name() + step, state.getValue());
    }
    plan.events().unpersist();
    return written;
  }

  /** Every query the job runs, named, on the current tables: what {@code flywheel gpu-check} plans. */
  static Map<String, Dataset<Row>> queries(SparkSession spark, FeatureTables tables, FeatureConfig config,
      Timestamp from, Timestamp until) {
    SlicePlan plan = plan(spark, tables, config, from, until, false);
    Map<String, Dataset<Row>> queries = new LinkedHashMap<>();
    queries.put(tables.examples() + " (point-in-time examples)", plan.examples());
    plan.advanced().forEach((entity, rows) -> queries.put(tableOf(tables, entity) + " (advance state)", rows));
    queries.put(tables.stats() + " (statistics)", FeatureStats.accumulate(spark.table(tables.examples()),
        spark.table(tables.stats()), 0, from));
    return queries;
  }

  private static void upsert(JobRun run, String table, Entity entity, String step, Dataset<Row> rows) {
    Column match = entity.keys().stream().map(k -> col("t." + k).equalTo(col("s." + k)))
        .reduce(Column::and).orElseThrow();
    Map<String, Column> set = new LinkedHashMap<>();
    for (String column : rows.columns()) {
      set.put(column, col("s." + column));
    }
    run.idempotently(table, step, () -> DeltaTable.forName(run.spark(), table).as("t")
        .merge(rows.as("s"), match)
        .whenMatched().update(set)
        .whenNotMatched().insert(set)
        .execute());
  }

  /** Stores the frontier and watermark (the one global row, created empty before the first impression). */
  private static void recordFrontier(JobRun run, FeatureTables tables, Timestamp frontier, Timestamp watermark) {
    Dataset<Row> row = run.spark().range(1).select(lit("all").as("scope"), lit(frontier).as("as_of"),
        lit(watermark).as("watermark"));
    Map<String, Column> set = new LinkedHashMap<>();
    set.put("as_of", col("s.as_of"));
    set.put("watermark", col("s.watermark"));
    Map<String, Column> insert = new LinkedHashMap<>(set);
    insert.put("scope", col("s.scope"));
    run.idempotently(tables.global(), "frontier", () -> DeltaTable.forName(run.spark(), tables.global()).as("t")
        .merge(row.as("s"), col("t.scope").equalTo(col("s.scope")))
        .whenMatched().update(set)
        .whenNotMatched().insert(insert)
        .execute());
  }

  /** Adds the examples between the latest statistics and the frontier to a new statistics version. */
  private static void accumulateStats(JobRun run, FeatureTables tables, Timestamp frontier) {
    SparkSession spark = run.spark();
    Row latest = spark.table(tables.stats()).agg(max(col("stats_version")), max(col("as_of"))).head();
    Timestamp covered = latest.isNullAt(1) ? null : latest.getTimestamp(1);
    if (covered != null && !covered.before(frontier)) {
      return;
    }
    Dataset<Row> previous = latest.isNullAt(0) ? spark.table(tables.stats()).limit(0)
        : spark.table(tables.stats()).where(col("stats_version").equalTo(latest.getLong(0)));
    Dataset<Row> examples = spark.table(tables.examples()).where(col("event_time").lt(lit(frontier)));
    if (covered != null) {
      examples = examples.where(col("event_time").geq(lit(covered)));
    }
    Dataset<Row> next = FeatureStats.accumulate(examples, previous, frontier.getTime() / 1000, frontier);
    run.idempotently(tables.stats(), "stats", () -> next.write().format("delta").mode("append")
        .saveAsTable(tables.stats()));
  }

  private static String tableOf(FeatureTables tables, Entity entity) {
    return switch (entity.name()) {
      case "user" -> tables.users();
      case "item" -> tables.items();
      case "query_item" -> tables.queryItems();
      default -> tables.global();
    };
  }
}
