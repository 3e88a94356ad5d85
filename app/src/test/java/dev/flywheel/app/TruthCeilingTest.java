package dev.flywheel.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.lakehouse.SharedSpark;
import dev.flywheel.pipelines.simulate.SimulationConfig;
import dev.flywheel.pipelines.simulate.SimulationTruth;
import dev.flywheel.pipelines.simulate.TrafficSimulator;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class TruthCeilingTest {
  private static final Instant START = Instant.parse("2026-11-01T00:00:00Z");
  private static final Instant DRIFT = START.plusSeconds(3600);
  private static final StructType EXAMPLES = new StructType()
      .add("request_id", DataTypes.StringType).add("item_id", DataTypes.StringType)
      .add("user_id", DataTypes.StringType).add("event_time", DataTypes.TimestampType)
      .add("position", DataTypes.DoubleType).add("clicked", DataTypes.BooleanType);

  /**
   * Labels every example by whether its true click probability (after the drift for the later half) is above the
   * median, so the truth's own score ranks them perfectly and nothing that ignores the users or the drift does.
   */
  @Test
  void theTruthsOwnProbabilitiesRankClicksPerfectlyAndTheCeilingsBelowItDoNot() {
    SparkSession spark = SharedSpark.session();
    SimulationTruth truth = new TrafficSimulator(SimulationConfig.of(20, 30, 100, 7, START, 1.0, DRIFT, 0))
        .truth();
    int n = 200;
    double[] probability = new double[n];
    String[][] ids = new String[n][];
    for (int k = 0; k < n; k++) {
      ids[k] = new String[] {"u-" + k % 20, "i-" + k * 7 % 30};
      probability[k] = truth.examination(k % 10) * truth.affinity(ids[k][0], ids[k][1], time(k, n));
    }
    double median = Arrays.stream(probability).sorted().toArray()[n / 2];
    List<Row> rows = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      rows.add(RowFactory.create("r-" + k / 10, ids[k][1], ids[k][0], Timestamp.from(time(k, n)), (double) (k % 10),
          probability[k] >= median));
    }
    rows.add(RowFactory.create("r-unlabelled", "i-0", "u-0", Timestamp.from(START), 0.0, null));

    Map<String, Map<String, Double>> ceilings = TruthCeiling.of(spark, spark.createDataFrame(rows, EXAMPLES), truth);

    assertEquals(1.0, ceilings.get(TruthCeiling.ORACLE).get("auc"), 1e-9, ceilings.toString());
    assertTrue(Double.isFinite(ceilings.get(TruthCeiling.ORACLE).get("log_loss")), ceilings.toString());
    assertTrue(ceilings.get(TruthCeiling.WITHOUT_PERSONAL_TASTE).get("auc") < 0.999, ceilings.toString());
    assertTrue(ceilings.get(TruthCeiling.EXAMINATION).get("auc") < 0.999, ceilings.toString());
  }

  /** The first half before the drift, the second after it. */
  private static Instant time(int k, int n) {
    return k < n / 2 ? START.plusSeconds(k) : DRIFT.plusSeconds(k);
  }
}
