package dev.flywheel.training;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.lakehouse.FeatureTransforms;
import dev.flywheel.lakehouse.LakehouseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;

/**
 * How each learner input is computed from its raw example column: a null becomes {@link #MISSING_VALUE},
 * then {@link FeatureTransforms#normalized} with one gold.feature_stats version's mean and stddev. The
 * trainer applies it in Spark and exports it in the bundle's manifest, which the server applies per
 * request, so both see the same vector. Immutable.
 *
 * @param features the scaling of every {@link Trainer#featureColumns()} column, in vector order
 */
public record Normalization(Map<String, Scale> features) {
  /** The value of a null feature before the transform (the manifest's missing_value). */
  public static final double MISSING_VALUE = 0.0;

  /**
   * One feature's scaling.
   *
   * @param transform zscore, log1p_zscore or none
   * @param mean mean of t(x); 0 when the statistics saw no value
   * @param stddev population stddev of t(x); 0 (the feature normalizes to 0) when the statistics saw at most one value
   */
  public record Scale(String transform, double mean, double stddev) {}

  /** @throws LakehouseException when a feature column has no scaling */
  public Normalization {
    Map<String, Scale> copy = Map.copyOf(features);
    List<String> missing = Trainer.featureColumns().stream().filter(f -> !copy.containsKey(f)).toList();
    if (!missing.isEmpty()) {
      throw new LakehouseException("The normalization has no statistics for " + missing
          + "; run `flywheel features` so gold.feature_stats covers every example column");
    }
    features = copy;
  }

  /**
   * The scaling in the rows of one gold.feature_stats version; a feature never seen (null mean) scales to 0.
   *
   * @throws LakehouseException when a feature column has no row
   */
  public static Normalization fromStats(List<Row> statsRows) {
    Map<String, Scale> features = new LinkedHashMap<>();
    for (Row row : statsRows) {
      Double mean = row.getAs("mean");
      Double stddev = row.getAs("stddev");
      features.put(row.getAs("feature"), new Scale(row.getAs("transform"), mean == null ? 0 : mean,
          mean == null || stddev == null ? 0 : stddev));
    }
    return new Normalization(features);
  }

  /** The scaling stored in a bundle manifest's {@code normalization} object. */
  static Normalization fromManifest(JsonNode normalization) {
    Map<String, Scale> features = new LinkedHashMap<>();
    normalization.fields().forEachRemaining(e -> features.put(e.getKey(), new Scale(
        e.getValue().path("transform").asText(), e.getValue().path("mean").asDouble(0),
        e.getValue().path("stddev").asDouble(0))));
    return new Normalization(features);
  }

  /** The normalized value of one raw example column, a double. */
  public Column column(String feature) {
    Scale scale = features.get(feature);
    return FeatureTransforms.normalized(coalesce(col(feature).cast("double"), lit(MISSING_VALUE)), scale.transform(),
        scale.mean(), scale.stddev()).as(feature);
  }

  /** The manifest's {@code normalization} object, in vector order. */
  Map<String, Map<String, Object>> asManifest() {
    Map<String, Map<String, Object>> manifest = new LinkedHashMap<>();
    for (String feature : Trainer.featureColumns()) {
      Scale scale = features.get(feature);
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("transform", scale.transform());
      entry.put("mean", scale.mean());
      entry.put("stddev", scale.stddev());
      manifest.put(feature, entry);
    }
    return manifest;
  }
}
