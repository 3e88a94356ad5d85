package dev.flywheel.training;

import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What one training run reads: the examples and the normalization, with the table versions they came
 * from (recorded in the registry, so the run can be reproduced by time travel).
 *
 * @param examples rows of gold.training_examples (raw features)
 * @param normalization the scaling of one gold.feature_stats version
 * @param statsVersion that version's stats_version
 * @param featureConfig the features job's settings the server needs
 * @param inputVersions Delta version of each input table
 */
public record TrainingInputs(Dataset<Row> examples, Normalization normalization, long statsVersion,
    BundleFeatureConfig featureConfig, Map<String, Long> inputVersions) {
  public TrainingInputs {
    Objects.requireNonNull(examples, "examples");
    Objects.requireNonNull(normalization, "normalization");
    Objects.requireNonNull(featureConfig, "featureConfig");
    inputVersions = Map.copyOf(inputVersions);
  }
}
