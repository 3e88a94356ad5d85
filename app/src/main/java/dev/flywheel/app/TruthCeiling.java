package dev.flywheel.app;

import static org.apache.spark.sql.functions.col;

import dev.flywheel.pipelines.simulate.SimulationTruth;
import dev.flywheel.training.Metrics;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * What the simulator's hidden truth scores on the examples a benchmark evaluates on, beside its models: the
 * ceiling no model can pass (each impression's true click probability, examination times affinity), the best a
 * model without personal taste can do (examination times the item's appeal, its mean affinity over the users) and
 * examination alone. The gap between the models and the second says how much personal taste they learned; the
 * gap between the second and the first, how much there was to learn.
 */
final class TruthCeiling {
  /** The truth's scores, in the benchmark JSON's order. */
  static final String ORACLE = "oracle";
  static final String WITHOUT_PERSONAL_TASTE = "without_personal_taste";
  static final String EXAMINATION = "examination";

  private static final StructType SCORED = new StructType()
      .add("request_id", DataTypes.StringType).add("item_id", DataTypes.StringType)
      .add("label", DataTypes.DoubleType).add("p_" + ORACLE, DataTypes.DoubleType)
      .add("p_" + WITHOUT_PERSONAL_TASTE, DataTypes.DoubleType).add("p_" + EXAMINATION, DataTypes.DoubleType);

  private TruthCeiling() {}

  /**
   * Per truth score, AUC and log loss on the labelled {@code examples} (training examples of the simulation the
   * truth drew, label {@code clicked}). Collects them to the driver: meant for a benchmark's evaluation day.
   */
  static Map<String, Map<String, Double>> of(SparkSession spark, Dataset<Row> examples, SimulationTruth truth) {
    List<Row> rows = new ArrayList<>();
    Map<String, Double> appeals = new HashMap<>();
    for (Row example : examples.where(col("clicked").isNotNull())
        .select(col("request_id"), col("item_id"), col("user_id"), col("event_time"),
            col("position").cast("int"), col("clicked").cast("double")).collectAsList()) {
      String item = example.getString(1);
      Instant time = ((Timestamp) example.get(3)).toInstant();
      boolean drifted = truth.driftedAt(time);
      double examination = truth.examination(example.getInt(4));
      double appeal = appeals.computeIfAbsent(item + "/" + drifted, key -> truth.appeal(truth.item(item), drifted));
      rows.add(RowFactory.create(example.getString(0), item, example.getDouble(5),
          examination * truth.affinity(example.getString(2), item, time), examination * appeal, examination));
    }
    Dataset<Row> scored = spark.createDataFrame(rows, SCORED).cache();
    Map<String, Map<String, Double>> ceilings = new LinkedHashMap<>();
    for (String score : List.of(ORACLE, WITHOUT_PERSONAL_TASTE, EXAMINATION)) {
      Map<String, Double> metrics = Metrics.of(scored, "p_" + score);
      ceilings.put(score, Map.of("auc", metrics.get("auc"), "log_loss", metrics.get("log_loss")));
    }
    scored.unpersist();
    return ceilings;
  }
}
