package dev.flywheel.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.hour;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.flywheel.lakehouse.Tables;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;

/**
 * Assembles point-in-time training examples: one per impression, its labels from silver, its features
 * from {@link PointInTimeFeatures#beforeEach} (events strictly before the impression). Pure.
 */
public final class TrainingExamples {
  private TrainingExamples() {}

  /** The global rates just before an event, the priors every smoothed rate shrinks towards. */
  public static final List<String> PRIORS = List.of("g_ctr", "g_positive_rate");

  /**
   * The example features of one entity for every impression event ({@code before} carries its priors), named
   * with the entity's prefix.
   */
  public static Dataset<Row> entityFeatures(Dataset<Row> before, Entity entity, double m) {
    Dataset<Row> rated = PointInTimeFeatures.withDecayedRates(PointInTimeFeatures.withRates(
        before.where(col("kind").equalTo("impression")), col("g_ctr"), col("g_positive_rate"), m), m)
        .withColumn("seconds_since_last",
            PointInTimeFeatures.seconds(col("ts")).minus(PointInTimeFeatures.seconds(col("last_event_time")))
                .cast("double"));
    List<Column> out = new ArrayList<>(List.of(col("request_id"), col("item_id")));
    for (String feature : Tables.EXAMPLE_FEATURES) {
      out.add(col(feature).cast("double").as(entity.prefix() + feature));
    }
    return rated.select(out.toArray(Column[]::new));
  }

  /**
   * One example per silver row of {@code impressions}: context, labels, hashed ids, the global priors (of its
   * impression event among {@code events}) and the features of each entity (null when the entity does not apply, e.g. query-item off search).
   */
  public static Dataset<Row> assemble(Dataset<Row> impressions, Dataset<Row> events, List<Dataset<Row>> features,
      int hashBuckets) {
    Dataset<Row> priors = events.where(col("kind").equalTo("impression"))
        .select(col("request_id"), col("item_id"), col(PRIORS.get(0)), col(PRIORS.get(1)));
    Dataset<Row> examples = impressions
        .withColumn("hour_of_day", hour(col("event_time")))
        .withColumn("positive", when(col("rating").isNotNull(), col("rating").geq(4)))
        .withColumn("user_bucket", pmod(xxhash64(col("user_id")), lit((long) hashBuckets)))
        .withColumn("item_bucket", pmod(xxhash64(col("item_id")), lit((long) hashBuckets)))
        .withColumn("event_date", to_date(col("event_time")))
        .join(priors, Joins.on(SilverImpressions.KEY), "left");
    for (Dataset<Row> entity : features) {
      examples = examples.join(entity, Joins.on(SilverImpressions.KEY), "left");
    }
    List<Column> ordered = new ArrayList<>();
    for (StructField field : Tables.TRAINING_EXAMPLES.schema().fields()) {
      ordered.add(List.of(examples.columns()).contains(field.name())
          ? col(field.name()).cast(field.dataType()).as(field.name())
          : lit(null).cast(field.dataType()).as(field.name()));
    }
    return examples.select(ordered.toArray(Column[]::new));
  }
}
