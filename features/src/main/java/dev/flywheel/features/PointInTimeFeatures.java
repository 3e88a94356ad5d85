package dev.flywheel.features;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import scala.collection.Seq;

/**
 * Running per-entity state, point in time. The gold tables hold, per key, the counts of every event
 * before the frontier, with decayed counts valued at the key's last event. A slice of new events
 * [{@code from}, {@code until}) then gives:
 *
 * <ul>
 *   <li>{@link #beforeEach}: for every event, the state strictly before its time = the stored state plus a
 *       cumulative window over the slice's earlier events (the running sum up to its instant minus the
 *       events of that instant, so events at the same instant never see each other), and the latest
 *       rating strictly before it ({@code last_rating}, the highest of an instant's ratings);
 *   <li>{@link #advance}: the new state of every key the slice touched.
 * </ul>
 *
 * A decayed count follows {@code d(t) = d(t0) * 2^(-(t - t0)/h) + 1} per event. Inside a slice the
 * running sum is taken relative to an anchor (in whole seconds): the start of the event's span of
 * {@link #ANCHOR_SPAN_HALF_LIVES} half-lives counted from {@code from}, so every power of 2 stays within
 * 2^&plusmn;256 however long the slice (a historical load spans years). The span's own earlier events are
 * summed exactly; the span before it is carried in, valued at the anchor; spans further back weigh less
 * than 2^-256 per event and are left out, which changes no value at double precision unless the value is
 * itself below 2^-200.
 * Only built-in expressions, so the plans can run on a GPU. Pure.
 */
public final class PointInTimeFeatures {
  /**
   * Additive counts that also have decayed versions: impressions and clicks (recency-weighted CTR), ratings
   * and positive ratings (recency-weighted positive rate, {@link #withDecayedRates}).
   */
  public static final List<String> DECAYED = List.of("impressions", "clicks", "ratings", "positive_ratings");

  /** The counts the global priors are rates of. */
  private static final List<String> PRIOR_COUNTS = List.of("impressions", "clicks", "ratings", "positive_ratings");

  /** The first level of the global running counts: instants summed per hour ({@link #globalRatesBeforeEach}). */
  private static final long GLOBAL_BUCKET_SECONDS = 3600;

  /** The span of one anchor of the decayed running sums, in half-lives (see the class comment). */
  static final int ANCHOR_SPAN_HALF_LIVES = 256;

  private PointInTimeFeatures() {}

  /** {@code decayed_<count>_<short|mid|long>}. */
  public static String decayedName(String count, int halfLife) {
    return "decayed_" + count + "_" + FeatureConfig.HALF_LIFE_NAMES.get(halfLife);
  }

  /**
   * For every event of {@code events} (feature events with their global priors, {@link TrainingExamples#PRIORS})
   * that counts for {@code entity}, a key of its own ({@link Entity#GLOBAL} has one key for all: see
   * {@link #globalRatesBeforeEach}): its event key, the entity's additive counts, decayed counts (valued at the
   * event's time), {@code last_event_time} and {@code last_rating}, all from events strictly before it, and its
   * priors.
   */
  public static Dataset<Row> beforeEach(Dataset<Row> events, Dataset<Row> state, Entity entity, Timestamp from,
      FeatureConfig config) {
    Column[] keys = Joins.columns(entity.keyArray());
    WindowSpec upToNow = Window.partitionBy(keys).orderBy(col("ts"))
        .rangeBetween(Window.unboundedPreceding(), Window.currentRow());
    List<Column> instant = new ArrayList<>(List.of(keys));
    instant.add(col("ts"));
    WindowSpec sameInstant = Window.partitionBy(instant.toArray(Column[]::new));
    WindowSpec inOrder = Window.partitionBy(keys).orderBy(col("ts"), col("kind"), col("request_id"), col("item_id"));
    Column sinceFrom = col("since_from");
    Column isRating = col("ratings").gt(0);
    Dataset<Row> anchored = entity.eventsOf(events).withColumn("previous_ts", lag(col("ts"), 1).over(inOrder))
        .withColumn("since_from", seconds(col("ts")).minus(from.getTime() / 1000))
        .withColumn("rating_ts_up_to_now", max(when(isRating, col("ts"))).over(upToNow))
        .withColumn("previous_rating_ts", lag(col("rating_ts_up_to_now"), 1).over(inOrder))
        // The first event of an instant follows the previous instant: its predecessor's running latest
        // rating time is the latest strictly before the instant, and the instant's other events share it.
        .withColumn("slice_rating_ts", max(when(col("previous_ts").lt(col("ts")), col("previous_rating_ts")))
            .over(sameInstant));
    for (int i = 0; i < config.halfLives().size(); i++) {
      long span = anchorSpanSeconds(config.halfLives().get(i));
      anchored = anchored.withColumn(anchorName(i), sinceFrom.divide(span).cast("long").multiply(span));
    }
    Dataset<Row> joined = anchored;
    for (int i = 0; i < config.halfLives().size(); i++) {
      joined = joined.join(carriedIn(anchored, entity, i, config), joinKeys(entity, anchorName(i)), "left");
    }
    joined = joined.join(stored(state, entity), Joins.on(entity.keys()), "left")
        .join(ratingsAt(anchored, entity), joinKeys(entity, "slice_rating_ts"), "left");
    List<Column> out = new ArrayList<>();
    for (String key : FeatureEvents.EVENT_KEY) {
      out.add(col(key));
    }
    for (String count : FeatureEvents.ADDITIVE) {
      out.add(coalesce(col("s_" + count), lit(0)).plus(strictlyBefore(col(count), upToNow, sameInstant)).as(count));
    }
    for (String count : DECAYED) {
      for (int i = 0; i < config.halfLives().size(); i++) {
        double halfLife = seconds(config.halfLives().get(i));
        List<Column> spanKeys = new ArrayList<>(List.of(keys));
        spanKeys.add(col(anchorName(i)));
        WindowSpec upToNowInSpan = Window.partitionBy(spanKeys.toArray(Column[]::new)).orderBy(col("ts"))
            .rangeBetween(Window.unboundedPreceding(), Window.currentRow());
        Column sinceAnchor = sinceFrom.minus(col(anchorName(i)));
        Column storedPart = coalesce(col("s_" + decayedName(count, i)).multiply(
            pow(lit(2.0), seconds(col("ts")).minus(seconds(col("s_last_event_time"))).divide(-halfLife))), lit(0.0));
        Column slicePart = pow(lit(2.0), sinceAnchor.divide(-halfLife)).multiply(
            strictlyBefore(col(count).multiply(pow(lit(2.0), sinceAnchor.divide(halfLife))), upToNowInSpan, sameInstant)
                .plus(coalesce(col("carried_" + decayedName(count, i)), lit(0.0))));
        out.add(storedPart.plus(slicePart).as(decayedName(count, i)));
      }
    }
    out.add(greatest(col("s_last_event_time"),
        max(when(col("previous_ts").lt(col("ts")), col("previous_ts"))).over(sameInstant)).as("last_event_time"));
    out.add(when(col("slice_rating_ts").isNotNull(), col("slice_rating")).otherwise(col("s_last_rating"))
        .as("last_rating"));
    out.add(col("ts"));
    for (String prior : TrainingExamples.PRIORS) {
      out.add(col(prior));
    }
    return joined.select(out.toArray(Column[]::new));
  }

  /**
   * Per key and anchor of half-life {@code i}: the decayed counts of the span just before the anchor,
   * valued at the anchor (powers of 2 between 2^-256 and 1).
   */
  private static Dataset<Row> carriedIn(Dataset<Row> anchored, Entity entity, int i, FeatureConfig config) {
    double halfLife = seconds(config.halfLives().get(i));
    long span = anchorSpanSeconds(config.halfLives().get(i));
    Column nextAnchor = col(anchorName(i)).plus(span);
    List<Column> groups = new ArrayList<>(List.of(Joins.columns(entity.keyArray())));
    groups.add(nextAnchor.as(anchorName(i)));
    List<Column> sums = new ArrayList<>();
    for (String count : DECAYED) {
      sums.add(sum(col(count).multiply(pow(lit(2.0), col("since_from").minus(nextAnchor).divide(halfLife))))
          .as("carried_" + decayedName(count, i)));
    }
    return anchored.groupBy(groups.toArray(Column[]::new))
        .agg(sums.get(0), sums.subList(1, sums.size()).toArray(Column[]::new));
  }

  /**
   * Per key and instant with ratings: the rating there, keyed {@code slice_rating_ts}; the highest when
   * several ratings share the instant ({@link #advance} breaks the tie alike).
   */
  private static Dataset<Row> ratingsAt(Dataset<Row> anchored, Entity entity) {
    List<Column> groups = new ArrayList<>(List.of(Joins.columns(entity.keyArray())));
    groups.add(col("ts").as("slice_rating_ts"));
    return anchored.where(col("ratings").gt(0)).groupBy(groups.toArray(Column[]::new))
        .agg(max(col("rating_sum")).as("slice_rating"));
  }

  private static Seq<String> joinKeys(Entity entity, String anchor) {
    List<String> columns = new ArrayList<>(entity.keys());
    columns.add(anchor);
    return Joins.on(columns);
  }

  private static String anchorName(int halfLife) {
    return "anchor_" + FeatureConfig.HALF_LIFE_NAMES.get(halfLife);
  }

  /** {@link #ANCHOR_SPAN_HALF_LIVES} half-lives in whole seconds (at least one). */
  private static long anchorSpanSeconds(Duration halfLife) {
    return Math.max(1, halfLife.multipliedBy(ANCHOR_SPAN_HALF_LIVES).toSeconds());
  }

  /**
   * The sum of {@code value} over the key's events strictly before this one: the running sum up to this
   * instant minus this instant's own events (a frame ending before the current row does not run on a GPU).
   */
  private static Column strictlyBefore(Column value, WindowSpec upToNow, WindowSpec sameInstant) {
    return coalesce(sum(value).over(upToNow), lit(0)).minus(coalesce(sum(value).over(sameInstant), lit(0)));
  }

  /**
   * The state after the slice of every key it touched (rows of the entity's gold table): stored counts
   * plus the slice's, decayed counts valued at the key's new last event. Smoothed rates shrink towards the
   * global rates {@code g_ctr} and {@code g_positive_rate} each event carries (the global rate just before
   * it), taken at the key's last event; for {@link Entity#GLOBAL} the rates are the raw ones.
   */
  public static Dataset<Row> advance(Dataset<Row> events, Dataset<Row> state, Entity entity, FeatureConfig config) {
    WindowSpec perKey = Window.partitionBy(Joins.columns(entity.keyArray()));
    Column isRating = col("ratings").gt(0);
    Dataset<Row> counted = withKeyLasts(entity.eventsOf(events), entity, perKey);
    List<Column> aggregates = new ArrayList<>();
    for (String count : FeatureEvents.ADDITIVE) {
      aggregates.add(sum(col(count)).as(count));
    }
    for (String count : DECAYED) {
      for (int i = 0; i < config.halfLives().size(); i++) {
        aggregates.add(sum(col(count).multiply(pow(lit(2.0), seconds(col("key_last")).minus(seconds(col("ts")))
            .divide(-seconds(config.halfLives().get(i)))))).as(decayedName(count, i)));
      }
    }
    aggregates.add(min(col("ts")).as("first_event_time"));
    aggregates.add(max(col("ts")).as("last_event_time"));
    aggregates.add(max(when(isRating, col("ts"))).as("last_rating_time"));
    aggregates.add(max(when(isRating.and(col("ts").equalTo(col("key_last_rating"))), col("rating_sum")))
        .as("last_rating"));
    Column[] rest = aggregates.subList(1, aggregates.size()).toArray(Column[]::new);
    Dataset<Row> slice = counted.groupBy(Joins.columns(entity.keyArray())).agg(aggregates.get(0), rest);
    Dataset<Row> joined = slice.join(stored(state, entity), Joins.on(entity.keys()), "left");
    List<Column> out = new ArrayList<>();
    entity.keys().forEach(key -> out.add(col(key)));
    for (String count : FeatureEvents.ADDITIVE) {
      out.add(coalesce(col("s_" + count), lit(0)).plus(col(count)).as(count));
    }
    for (String count : DECAYED) {
      for (int i = 0; i < config.halfLives().size(); i++) {
        String name = decayedName(count, i);
        out.add(coalesce(col("s_" + name).multiply(pow(lit(2.0), seconds(col("last_event_time"))
                .minus(seconds(col("s_last_event_time"))).divide(-seconds(config.halfLives().get(i))))),
            lit(0.0)).plus(col(name)).as(name));
      }
    }
    out.add(least(col("s_first_event_time"), col("first_event_time")).as("first_event_time"));
    out.add(col("last_event_time"));
    Column sliceRated = col("last_rating_time").isNotNull();
    out.add(when(sliceRated, col("last_rating")).otherwise(col("s_last_rating")).as("last_rating"));
    out.add(when(sliceRated, col("last_rating_time")).otherwise(col("s_last_rating_time")).as("last_rating_time"));
    Dataset<Row> advanced = joined.select(out.toArray(Column[]::new));
    if (entity.equals(Entity.GLOBAL)) {
      return withRates(advanced, rawRate("clicks", "impressions", 0.0), rawRate("positive_ratings", "ratings", 0.5),
          config.priorStrength());
    }
    Dataset<Row> priors = counted
        .withColumn("prior_rank", row_number().over(perKey.orderBy(col("ts").desc(), col("kind"),
            col("request_id"))))
        .where(col("prior_rank").equalTo(1));
    List<String> priorColumns = new ArrayList<>(entity.keys());
    priorColumns.add("g_ctr");
    priorColumns.add("g_positive_rate");
    Dataset<Row> withPrior = advanced.join(priors.selectExpr(priorColumns.toArray(String[]::new)),
        Joins.on(entity.keys()), "left");
    return withRates(withPrior, col("g_ctr"), col("g_positive_rate"), config.priorStrength())
        .drop("g_ctr", "g_positive_rate");
  }

  /**
   * Adds {@code key_last} and {@code key_last_rating} (the key's latest event and rating time in the slice) to
   * every event. Per key a window over the events hashed by key; for {@link Entity#GLOBAL}, whose one key would
   * put every event into one task, a partial aggregate broadcast back.
   */
  private static Dataset<Row> withKeyLasts(Dataset<Row> keyed, Entity entity, WindowSpec perKey) {
    Column last = max(col("ts"));
    Column lastRating = max(when(col("ratings").gt(0), col("ts")));
    if (!entity.equals(Entity.GLOBAL)) {
      return keyed.withColumn("key_last", last.over(perKey)).withColumn("key_last_rating", lastRating.over(perKey));
    }
    Dataset<Row> lasts = keyed.groupBy(Joins.columns(entity.keyArray()))
        .agg(last.as("key_last"), lastRating.as("key_last_rating"));
    return keyed.join(broadcast(lasts), Joins.on(entity.keys()));
  }

  /**
   * The global rates just before every instant of {@code events}, keyed by {@code ts}: {@code g_ctr} (clicks
   * over impressions, 0 before the first) and {@code g_positive_rate} (positive ratings over ratings, 0.5 before
   * the first) of the stored global {@code state} plus the slice's events strictly before the instant. A running
   * sum over the events themselves would run in one task (the global entity has one key); this one sums per
   * instant, then per hour of instants, and adds to each instant the hours before its own (a window over the
   * few hour rows) and its hour's earlier instants (a window per hour). The counts are whole numbers, so the
   * rates are exact whatever the grouping.
   */
  public static Dataset<Row> globalRatesBeforeEach(Dataset<Row> events, Dataset<Row> state) {
    Column hour = seconds(col("ts")).divide(GLOBAL_BUCKET_SECONDS).cast("long").as("hour");
    List<Column> perInstant = new ArrayList<>();
    List<Column> perHour = new ArrayList<>();
    for (String count : PRIOR_COUNTS) {
      perInstant.add(sum(col(count)).as(count));
      perHour.add(sum(col(count)).as("hour_" + count));
    }
    Dataset<Row> instants = events.groupBy(col("ts"), hour)
        .agg(perInstant.get(0), perInstant.subList(1, perInstant.size()).toArray(Column[]::new));
    WindowSpec hoursUpToNow = Window.orderBy(col("hour")).rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    Dataset<Row> hours = instants.groupBy(col("hour"))
        .agg(perHour.get(0), perHour.subList(1, perHour.size()).toArray(Column[]::new));
    for (String count : PRIOR_COUNTS) {
      hours = hours.withColumn("before_hour_" + count,
          sum(col("hour_" + count)).over(hoursUpToNow).minus(col("hour_" + count)));
    }
    WindowSpec instantsUpToNow = Window.partitionBy(col("hour")).orderBy(col("ts"))
        .rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    Dataset<Row> joined = instants.join(hours, Joins.on("hour"))
        .withColumn("scope", lit("all"))
        .join(stored(state, Entity.GLOBAL), Joins.on(Entity.GLOBAL.keys()), "left");
    List<Column> before = new ArrayList<>(List.of(col("ts")));
    for (String count : PRIOR_COUNTS) {
      before.add(coalesce(col("s_" + count), lit(0L)).plus(col("before_hour_" + count))
          .plus(sum(col(count)).over(instantsUpToNow)).minus(col(count)).as(count));
    }
    return joined.select(before.toArray(Column[]::new)).select(col("ts"),
        rawRate("clicks", "impressions", 0.0).as("g_ctr"),
        rawRate("positive_ratings", "ratings", 0.5).as("g_positive_rate"));
  }

  /**
   * Adds {@code ctr}, {@code positive_rate}, {@code avg_rating} and {@code avg_dwell} from the counts,
   * smoothed with prior strength {@code m} towards the given prior rates.
   */
  public static Dataset<Row> withRates(Dataset<Row> counts, Column priorCtr, Column priorPositiveRate, double m) {
    return counts
        .withColumn("ctr", smoothed(col("clicks"), col("impressions"), priorCtr, m))
        .withColumn("positive_rate", smoothed(col("positive_ratings"), col("ratings"), priorPositiveRate, m))
        .withColumn("avg_rating", when(col("ratings").gt(0), col("rating_sum").divide(col("ratings"))))
        .withColumn("avg_dwell", when(col("dwells").gt(0), col("dwell_sum").divide(col("dwells"))));
  }

  /**
   * Adds {@code decayed_positive_rate_<short|mid|long>} and {@code decayed_ctr_<short|mid|long>} to rows of
   * decayed counts valued at one time and their whole-history rates: {@code (decayed_positive_ratings + m *
   * positive_rate) / (decayed_ratings + m)} and {@code (decayed_clicks + m * ctr) / (decayed_impressions + m)},
   * the recent rates shrunk towards the entity's whole-history ones, so a taste that changed shows without a
   * few recent events swinging it. The decayed counts alone cannot say this to a linear model: it sees their
   * logarithms, not their ratio. Only meaningful at the time the decayed counts are valued at (an example's),
   * so gold stores the counts, not these rates.
   */
  public static Dataset<Row> withDecayedRates(Dataset<Row> valued, double m) {
    Dataset<Row> rated = valued;
    for (int i = 0; i < FeatureConfig.HALF_LIFE_NAMES.size(); i++) {
      rated = rated
          .withColumn(decayedRateName("positive_rate", i), smoothed(col(decayedName("positive_ratings", i)),
              col(decayedName("ratings", i)), col("positive_rate"), m))
          .withColumn(decayedRateName("ctr", i), smoothed(col(decayedName("clicks", i)),
              col(decayedName("impressions", i)), col("ctr"), m));
    }
    return rated;
  }

  /** {@code decayed_<rate>_<short|mid|long>}. */
  public static String decayedRateName(String rate, int halfLife) {
    return "decayed_" + rate + "_" + FeatureConfig.HALF_LIFE_NAMES.get(halfLife);
  }

  /** {@code (hits + m * prior) / (trials + m)}. */
  public static Column smoothed(Column hits, Column trials, Column prior, double m) {
    return hits.plus(prior.multiply(m)).divide(trials.plus(m));
  }

  /** {@code hits / trials}, or {@code empty} before the first trial. */
  public static Column rawRate(String hits, String trials, double empty) {
    return when(col(trials).gt(0), col(hits).divide(col(trials))).otherwise(lit(empty));
  }

  private static Dataset<Row> stored(Dataset<Row> state, Entity entity) {
    List<Column> columns = new ArrayList<>();
    entity.keys().forEach(key -> columns.add(col(key)));
    List<String> values = new ArrayList<>(FeatureEvents.ADDITIVE);
    for (String count : DECAYED) {
      for (int i = 0; i < FeatureConfig.HALF_LIFE_NAMES.size(); i++) {
        values.add(decayedName(count, i));
      }
    }
    values.addAll(List.of("first_event_time", "last_event_time", "last_rating", "last_rating_time"));
    values.forEach(value -> columns.add(col(value).as("s_" + value)));
    return state.select(columns.toArray(Column[]::new));
  }

  /** Whole seconds since the epoch (a cast, which runs on a GPU where {@code unix_micros} does not). */
  static Column seconds(Column time) {
    return time.cast("long");
  }

  static long micros(Timestamp time) {
    return time.getTime() * 1000 + (time.getNanos() / 1000) % 1000;
  }

  static double seconds(Duration duration) {
    return duration.toNanos() / 1e9;
  }
}
