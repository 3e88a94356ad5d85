package dev.flywheel.app;

import dev.flywheel.features.FeatureConfig;
import dev.flywheel.features.FeaturesException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * The single-node anchor of {@code flywheel bench features}: the features job's aggregations as DuckDB SQL
 * over the same bronze Parquet files, written into a DuckDB database file. Benchmark scope only: the DuckDB
 * JDBC jar is loaded from a path at run time (bin/fetch-duckdb puts it into the local Maven repository), so it
 * is on no class path of the application or of any test.
 *
 * <p>"The same aggregations", step by step: (1) distinct events by {@code event_id}; (2) the first impression
 * per (request_id, item_id) with its 30-minute sessions (lag and running max per user); (3) label attribution:
 * feedback joined to its impression, within the click and purchase windows, folded into one label row per
 * impression (clicks, first click, purchases, amount, latest rating, dwell), feedback without an impression
 * kept aside; (4) the feature events (impression, click, purchase, rating, dwell at their own times) before
 * the settled frontier; (5) per user, item, query-item and globally: counts and decayed counts (three
 * half-lives) of the events strictly before every event (window functions), the global rates as every
 * example's prior; (6) the training examples with every entity's smoothed rates and recency; (7) each entity's
 * state at the frontier. Simplifications that make DuckDB's job no harder than Flywheel's: one load (no
 * event-time lateness to judge, as in Flywheel's full build of one backfill), decayed sums relative to one
 * anchor at the first event (exact while the data spans under 1,000 of the shortest half-lives; checked).
 */
final class DuckDbFeatures {
  /** The DuckDB JDBC version bin/fetch-duckdb fetches. */
  static final String VERSION = "1.4.1.0";

  private static final List<String> ENTITIES = List.of("user", "item", "query_item");
  private static final Map<String, String> KEYS = Map.of("user", "user_id", "item", "item_id",
      "query_item", "query, item_id", "global", "");
  private static final Map<String, String> PREFIXES = Map.of("user", "u_", "item", "i_", "query_item", "qi_");
  private static final List<String> ADDITIVE = List.of("impressions", "clicks", "purchases", "ratings", "rating_sum",
      "positive_ratings", "dwells", "dwell_sum");
  private static final List<String> DECAYED = List.of("impressions", "clicks");
  private static final List<String> HALF_LIFE_NAMES = FeatureConfig.HALF_LIFE_NAMES;

  private DuckDbFeatures() {}

  /**
   * What DuckDB did.
   *
   * @param seconds wall-clock seconds of all steps
   * @param stepSeconds seconds per step, in order
   * @param examples training examples written
   * @param threads DuckDB's worker threads
   */
  record Result(double seconds, Map<String, Double> stepSeconds, long examples, long threads) {}

  /** The jar bin/fetch-duckdb puts into the local Maven repository. */
  static Path defaultJar() {
    String repository = System.getProperty("maven.repo.local",
        Path.of(System.getProperty("user.home"), ".m2", "repository").toString());
    return Path.of(repository, "org", "duckdb", "duckdb_jdbc", VERSION, "duckdb_jdbc-" + VERSION + ".jar");
  }

  /**
   * Runs every step on {@code files} (bronze Parquet files) into a new database file {@code database}.
   *
   * @throws FeaturesException when the jar is missing or a statement fails
   */
  static Result run(Path jar, Path database, List<String> files, FeatureConfig config) {
    if (!Files.isRegularFile(jar)) {
      throw new FeaturesException("No DuckDB JDBC jar at " + jar + "; run bin/fetch-duckdb (or pass --duckdb-jar)");
    }
    try {
      Files.deleteIfExists(database);
      Files.deleteIfExists(database.resolveSibling(database.getFileName() + ".wal"));
      Files.createDirectories(database.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot prepare " + database + ": " + e.getMessage(), e);
    }
    Map<String, String> steps = steps(files, config);
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()},
             ClassLoader.getPlatformClassLoader());
         Connection connection = driver(loader).connect("jdbc:duckdb:" + database, new Properties());
         Statement statement = connection.createStatement()) {
      Map<String, Double> stepSeconds = new LinkedHashMap<>();
      long began = System.nanoTime();
      for (Map.Entry<String, String> step : steps.entrySet()) {
        long stepBegan = System.nanoTime();
        statement.execute(step.getValue());
        stepSeconds.put(step.getKey(), (System.nanoTime() - stepBegan) / 1e9);
      }
      double seconds = (System.nanoTime() - began) / 1e9;
      return new Result(seconds, stepSeconds, single(statement, "SELECT count(*) FROM training_examples"),
          single(statement, "SELECT current_setting('threads')"));
    } catch (SQLException e) {
      throw new FeaturesException("DuckDB failed: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot load " + jar + ": " + e.getMessage(), e);
    }
  }

  private static Driver driver(ClassLoader loader) {
    try {
      return (Driver) Class.forName("org.duckdb.DuckDBDriver", true, loader).getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new FeaturesException("Not a DuckDB JDBC jar (no org.duckdb.DuckDBDriver): " + e.getMessage(), e);
    }
  }

  private static long single(Statement statement, String query) throws SQLException {
    try (ResultSet rows = statement.executeQuery(query)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  /** The SQL of every step, named, in order. */
  static Map<String, String> steps(List<String> files, FeatureConfig config) {
    String list = files.stream().map(f -> "'" + f.replace("'", "''") + "'").collect(Collectors.joining(", ", "[", "]"));
    Map<String, String> steps = new LinkedHashMap<>();
    steps.put("distinct_events", """
        CREATE TABLE events AS
        SELECT event_id, event_type, event_time, user_id, item_id, request_id, surface, query, position,
               model_version, value, context['device'] AS device, ingested_at
        FROM read_parquet(%s)
        QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY ingested_at) = 1""".formatted(list));
    steps.put("impressions_and_sessions", """
        CREATE TABLE impressions AS
        WITH first_shown AS (
          SELECT * EXCLUDE (value) FROM events WHERE event_type = 'impression'
          QUALIFY row_number() OVER (PARTITION BY request_id, item_id ORDER BY event_time, event_id) = 1),
        seeded AS (
          SELECT *, CASE WHEN lag(event_time) OVER w IS NULL OR event_time > lag(event_time) OVER w + %s
                         THEN event_time END AS session_seed
          FROM first_shown WINDOW w AS (PARTITION BY user_id ORDER BY event_time, event_id))
        SELECT * EXCLUDE (session_seed, session_start), session_start,
               user_id || '/' || epoch(session_start)::BIGINT AS session_id
        FROM (SELECT *, max(session_seed) OVER (PARTITION BY user_id ORDER BY event_time, event_id
                                                ROWS UNBOUNDED PRECEDING) AS session_start FROM seeded)"""
        .formatted(interval(config.sessionGap())));
    String inWindow = "CASE WHEN f.event_type = 'click' THEN %s ELSE %s END"
        .formatted(interval(config.clickWindow()), interval(config.purchaseWindow()));
    steps.put("attribution", """
        CREATE TABLE classified AS
        SELECT f.event_id, f.event_type, f.event_time, f.value, f.request_id, f.item_id, f.user_id,
               CASE WHEN i.event_time IS NULL THEN 'unknown_impression'
                    WHEN f.event_time < i.event_time THEN 'before_impression'
                    WHEN f.event_time > i.event_time + %s THEN 'outside_window'
                    ELSE 'attributed' END AS attribution
        FROM events f LEFT JOIN impressions i USING (request_id, item_id)
        WHERE f.event_type IN ('click', 'purchase', 'rating', 'dwell')""".formatted(inWindow));
    steps.put("labels", """
        CREATE TABLE silver AS
        WITH labels AS (
          SELECT request_id, item_id,
                 count(*) FILTER (WHERE event_type = 'click') AS clicks,
                 min(event_time) FILTER (WHERE event_type = 'click') AS first_click_time,
                 count(*) FILTER (WHERE event_type = 'purchase') AS purchases,
                 min(event_time) FILTER (WHERE event_type = 'purchase') AS purchase_time,
                 sum(value) FILTER (WHERE event_type = 'purchase') AS purchase_amount,
                 arg_max(value, event_time) FILTER (WHERE event_type = 'rating') AS rating,
                 max(event_time) FILTER (WHERE event_type = 'rating') AS rating_time,
                 sum(value) FILTER (WHERE event_type = 'dwell') AS dwell_seconds,
                 max(event_time) FILTER (WHERE event_type = 'dwell') AS dwell_time
          FROM classified WHERE attribution = 'attributed' GROUP BY request_id, item_id)
        SELECT i.*, coalesce(l.clicks, 0) > 0 AS clicked, l.first_click_time, coalesce(l.clicks, 0) AS clicks,
               coalesce(l.purchases, 0) > 0 AS purchased, l.purchase_time, l.purchase_amount, l.rating,
               l.rating_time, l.dwell_seconds, l.dwell_time
        FROM impressions i LEFT JOIN labels l USING (request_id, item_id)""");
    steps.put("unattributed", """
        CREATE TABLE unattributed AS SELECT * FROM classified WHERE attribution = 'unknown_impression'""");
    long settle = config.settleDelay().toNanos() / 1000;
    steps.put("frontier", """
        CREATE TABLE bounds AS
        SELECT (SELECT epoch_us(min(event_time)) FROM silver) AS from_us,
               (SELECT epoch_us(max(event_time)) FROM events) - %d AS until_us""".formatted(settle));
    steps.put("feature_events", """
        CREATE TABLE feature_events AS
        WITH kinds AS (
          SELECT request_id, item_id, user_id, query, 'impression' AS kind, event_time AS ts, 1 AS impressions,
                 0 AS clicks, 0 AS purchases, 0 AS ratings, 0.0 AS rating_sum, 0 AS positive_ratings, 0 AS dwells,
                 0.0 AS dwell_sum FROM silver
          UNION ALL SELECT request_id, item_id, user_id, query, 'click', first_click_time, 0, 1, 0, 0, 0.0, 0, 0,
                 0.0 FROM silver
          UNION ALL SELECT request_id, item_id, user_id, query, 'purchase', purchase_time, 0, 0, 1, 0, 0.0, 0, 0,
                 0.0 FROM silver
          UNION ALL SELECT request_id, item_id, user_id, query, 'rating', rating_time, 0, 0, 0, 1, rating,
                 CASE WHEN rating >= 4 THEN 1 ELSE 0 END, 0, 0.0 FROM silver
          UNION ALL SELECT request_id, item_id, user_id, query, 'dwell', dwell_time, 0, 0, 0, 0, 0.0, 0, 1,
                 dwell_seconds FROM silver)
        SELECT kinds.*, epoch_us(ts) AS us FROM kinds, bounds
        WHERE ts IS NOT NULL AND epoch_us(ts) >= from_us AND epoch_us(ts) < until_us""");
    steps.put("decay_anchor_check", """
        SELECT CASE WHEN (until_us - from_us) / %s < 1000 THEN 0
                    ELSE error('the events span more than 1000 short half-lives') END FROM bounds"""
        .formatted(micros(config.halfLives().get(0))));
    steps.put("global_before_each_event", pointInTime("global", config, false));
    for (String entity : ENTITIES) {
      steps.put(entity + "_before_each_impression", pointInTime(entity, config, true));
    }
    steps.put("training_examples", examples(config));
    for (String entity : ENTITIES) {
      steps.put(entity + "_state", state(entity, config));
    }
    return steps;
  }

  /** Per event (impressions only when {@code impressionsOnly}): the entity's sums over its events strictly before. */
  private static String pointInTime(String entity, FeatureConfig config, boolean impressionsOnly) {
    List<String> columns = new ArrayList<>();
    ADDITIVE.forEach(count -> columns.add("sum(%s) OVER w AS %s".formatted(count, count)));
    for (String count : DECAYED) {
      for (int i = 0; i < HALF_LIFE_NAMES.size(); i++) {
        String h = Double.toString(micros(config.halfLives().get(i)));
        columns.add("pow(2, -(us - from_us) / %s) * sum(%s * pow(2, (us - from_us) / %s)) OVER w AS decayed_%s_%s"
            .formatted(h, count, h, count, HALF_LIFE_NAMES.get(i)));
      }
    }
    columns.add("max(ts) OVER w AS last_event_time");
    String keys = KEYS.get(entity);
    String notNull = keys.isEmpty() ? "true"
        : List.of(keys.split(", ")).stream().map(k -> k + " IS NOT NULL").collect(Collectors.joining(" AND "));
    return """
        CREATE TABLE before_%s AS
        SELECT request_id, item_id, kind, ts, %s
        FROM feature_events, bounds WHERE %s
        WINDOW w AS (%s ORDER BY us RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
        %s""".formatted(entity, String.join(",\n       ", columns), notNull,
        keys.isEmpty() ? "" : "PARTITION BY " + keys, impressionsOnly ? "QUALIFY kind = 'impression'" : "");
  }

  private static String examples(FeatureConfig config) {
    double m = config.priorStrength();
    List<String> columns = new ArrayList<>();
    List<String> joins = new ArrayList<>();
    for (String entity : ENTITIES) {
      String p = PREFIXES.get(entity);
      String t = entity + "_f";
      joins.add("LEFT JOIN before_%s %s ON %s.request_id = s.request_id AND %s.item_id = s.item_id AND %s.kind = 'impression'"
          .formatted(entity, t, t, t, t));
      for (String count : List.of("impressions", "clicks", "purchases", "ratings")) {
        columns.add("coalesce(%s.%s, 0) AS %s%s".formatted(t, count, p, count));
      }
      columns.add("(coalesce(%s.clicks, 0) + %s * g.g_ctr) / (coalesce(%s.impressions, 0) + %s) AS %sctr"
          .formatted(t, m, t, m, p));
      columns.add(("(coalesce(%s.positive_ratings, 0) + %s * g.g_positive_rate) / (coalesce(%s.ratings, 0) + %s)"
          + " AS %spositive_rate").formatted(t, m, t, m, p));
      columns.add("%s.rating_sum / nullif(%s.ratings, 0) AS %savg_rating".formatted(t, t, p));
      columns.add("%s.dwell_sum / nullif(%s.dwells, 0) AS %savg_dwell".formatted(t, t, p));
      for (String count : DECAYED) {
        for (String name : HALF_LIFE_NAMES) {
          columns.add("coalesce(%s.decayed_%s_%s, 0) AS %sdecayed_%s_%s".formatted(t, count, name, p, count, name));
        }
      }
      columns.add("epoch(s.event_time) - epoch(%s.last_event_time) AS %sseconds_since_last".formatted(t, p));
    }
    return """
        CREATE TABLE training_examples AS
        SELECT s.request_id, s.item_id, s.user_id, s.event_time, s.surface, s.query, s.position, s.device,
               s.model_version, s.session_id, hour(s.event_time) AS hour_of_day, s.clicked, s.purchased,
               s.rating, s.rating >= 4 AS positive, hash(s.user_id) %% %d AS user_bucket,
               hash(s.item_id) %% %d AS item_bucket, g.g_ctr, g.g_positive_rate,
               %s
        FROM silver s CROSS JOIN bounds
        JOIN (SELECT request_id, item_id,
                     CASE WHEN impressions > 0 THEN clicks / impressions ELSE 0.0 END AS g_ctr,
                     CASE WHEN ratings > 0 THEN positive_ratings / ratings ELSE 0.5 END AS g_positive_rate
              FROM before_global WHERE kind = 'impression') g USING (request_id, item_id)
        %s
        WHERE epoch_us(s.event_time) >= from_us AND epoch_us(s.event_time) < until_us"""
        .formatted(config.hashBuckets(), config.hashBuckets(), String.join(",\n       ", columns),
            String.join("\n", joins));
  }

  /** The entity's state at the frontier: counts, decayed counts at its last event, rates with the prior then. */
  private static String state(String entity, FeatureConfig config) {
    double m = config.priorStrength();
    List<String> columns = new ArrayList<>();
    ADDITIVE.forEach(count -> columns.add("sum(e.%s) AS %s".formatted(count, count)));
    for (String count : DECAYED) {
      for (int i = 0; i < HALF_LIFE_NAMES.size(); i++) {
        String h = Double.toString(micros(config.halfLives().get(i)));
        columns.add(("sum(e.%s * pow(2, (e.us - from_us) / %s)) * pow(2, -(max(e.us) - any_value(from_us)) / %s)"
            + " AS decayed_%s_%s").formatted(count, h, h, count, HALF_LIFE_NAMES.get(i)));
      }
    }
    columns.add("min(e.ts) AS first_event_time");
    columns.add("max(e.ts) AS last_event_time");
    columns.add("arg_max(CASE WHEN g.impressions > 0 THEN g.clicks / g.impressions ELSE 0.0 END, e.us) AS prior_ctr");
    columns.add("arg_max(CASE WHEN g.ratings > 0 THEN g.positive_ratings / g.ratings ELSE 0.5 END, e.us)"
        + " AS prior_positive_rate");
    String keys = KEYS.get(entity);
    String qualified = List.of(keys.split(", ")).stream().map(k -> "e." + k).collect(Collectors.joining(", "));
    String notNull = List.of(keys.split(", ")).stream().map(k -> "e." + k + " IS NOT NULL")
        .collect(Collectors.joining(" AND "));
    return """
        CREATE TABLE gold_%s AS
        SELECT *, (clicks + %s * prior_ctr) / (impressions + %s) AS ctr,
               (positive_ratings + %s * prior_positive_rate) / (ratings + %s) AS positive_rate,
               rating_sum / nullif(ratings, 0) AS avg_rating, dwell_sum / nullif(dwells, 0) AS avg_dwell
        FROM (SELECT %s, %s
              FROM feature_events e CROSS JOIN bounds
              JOIN before_global g ON g.request_id = e.request_id AND g.item_id = e.item_id AND g.kind = e.kind
              WHERE %s GROUP BY %s)""".formatted(entity, m, m, m, m, qualified,
        String.join(",\n       ", columns), notNull, qualified);
  }

  private static String interval(Duration duration) {
    return "to_microseconds(" + duration.toNanos() / 1000 + ")";
  }

  private static double micros(Duration duration) {
    return duration.toNanos() / 1000.0;
  }

  /** A one-line summary of the steps' seconds, slowest first. */
  static String slowest(Result result) {
    return result.stepSeconds().entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .limit(3).map(e -> String.format(Locale.ROOT, "%s %.1f s", e.getKey(), e.getValue()))
        .collect(Collectors.joining(", "));
  }
}
