package dev.flywheel.features;

import dev.flywheel.lakehouse.SharedSpark;
import dev.flywheel.lakehouse.TableCatalog;
import dev.flywheel.lakehouse.Tables;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/** Bronze-shaped test events written straight into a fresh database's bronze table. */
final class BronzeRows {
  static final String DAY = "2026-11-22T";

  private final SparkSession spark = SharedSpark.session();
  private final List<Row> pending = new ArrayList<>();
  final FeatureTables tables;

  BronzeRows(String prefix) {
    tables = FeatureTables.standard().inDatabase(SharedSpark.freshDatabase(prefix));
    TableCatalog.ensureAll(spark, List.of(tables.bronze(), Tables.JOB_RUNS.inDatabase(tables.bronze().database())));
  }

  static Instant at(String time) {
    return Instant.parse(DAY + time + "Z");
  }

  /** {@code time} on the {@code day}-th day after {@link #DAY}. */
  static Instant onDay(int day, String time) {
    return at(time).plus(Duration.ofDays(day));
  }

  /** An impression committed one minute after it happened. */
  BronzeRows impression(String id, String time, String user, String item, String request, String query, int position) {
    return event(id, "impression", time, user, item, request, query, position, null, at(time).plusSeconds(60));
  }

  /** Feedback committed one minute after it happened. */
  BronzeRows feedback(String id, String type, String time, String user, String item, String request, Double value) {
    return event(id, type, time, user, item, request, null, null, value, at(time).plusSeconds(60));
  }

  /** Feedback committed at {@code ingested}. */
  BronzeRows lateFeedback(String id, String type, String time, String user, String item, String request,
      Double value, String ingested) {
    return event(id, type, time, user, item, request, null, null, value, at(ingested));
  }

  BronzeRows event(String id, String type, String time, String user, String item, String request, String query,
      Integer position, Double value, Instant ingested) {
    return event(id, type, at(time), user, item, request, query, position, value, ingested);
  }

  BronzeRows event(String id, String type, Instant eventTime, String user, String item, String request,
      String query, Integer position, Double value, Instant ingested) {
    pending.add(RowFactory.create(id, type, Timestamp.from(eventTime), user, item, request,
        query == null ? "recommendation" : "search", query, position, "m1", value, Map.of("device", "mobile"), 1,
        "test", Timestamp.from(ingested), Date.valueOf(eventTime.atOffset(ZoneOffset.UTC).toLocalDate())));
    return this;
  }

  /** Appends the collected events as one bronze commit. */
  void commit() {
    TableCatalog.append(spark.createDataFrame(new ArrayList<>(pending), Tables.FEEDBACK_EVENTS.schema()),
        tables.bronze().qualifiedName());
    pending.clear();
  }

  /** A test configuration: click 30 min, purchase 1 h, lateness 3 h, sessions 30 min, default half-lives. */
  static FeatureConfig config() {
    FeatureConfig defaults = FeatureConfig.defaults();
    return new FeatureConfig(Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(3),
        Duration.ofMinutes(30), defaults.halfLives(), 20, 1000);
  }
}
