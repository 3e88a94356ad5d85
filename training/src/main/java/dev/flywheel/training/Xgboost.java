package dev.flywheel.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.xxhash64;

import dev.flywheel.lakehouse.LakehouseException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import ml.dmlc.xgboost4j.LabeledPoint;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import ml.dmlc.xgboost4j.scala.spark.XGBoostTrainingSummary;
import org.apache.spark.ml.functions;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Option;

/**
 * XGBoost trained in the driver with the plain Java API, always. Why not the Spark estimator: it has no
 * warm start (3.x), and continuing the champion's booster is the point of an incremental run; training
 * every version the same way keeps cold and warm runs comparable and makes the exported booster the
 * one that produced the holdout scores. The cost is the documented limit: the training rows are
 * streamed to the driver (about 200 bytes per row for 49 float features, so a few million rows per
 * run on a laptop-sized driver). Scoring stays distributed: the booster is wrapped in a Spark model.
 */
final class Xgboost {
  private Xgboost() {}

  /**
   * Boosts {@code config.xgboost().rounds()} trees on the {@code features}/{@code label} rows of {@code train},
   * continuing {@code initial} when present (which is then changed in place and returned).
   *
   * <p>The rows go to XGBoost in one order, by a hash of request and item, whatever their files and partitions:
   * XGBoost's histogram bins come from a sketch that depends on the order rows arrive in once it prunes, past
   * 8,192 rows (dmlc/xgboost#10834), and a different early split changes every later tree. Without it,
   * the simulator benchmark's full run on the same examples, landed twice, gave XGBoost a holdout AUC of 0.7551
   * once and 0.7461 the other time. A hash, not time: counts grow with time, so rows in time order arrive almost
   * sorted by every count feature, and the demo's second model ranked worse trained that way.
   */
  static Booster fit(Dataset<Row> train, TrainConfig config, Optional<Booster> initial) {
    Dataset<Row> ordered = train.orderBy(xxhash64(col("request_id"), col("item_id")), col("request_id"),
        col("item_id"));
    return boost(ordered, false, clickParams(config), config.xgboost().rounds(), initial);
  }

  /**
   * The ranker's settings: 100 trees of depth 3 at eta 0.1 with min_child_weight 20, the shallow trees that led the
   * grid on the simulator's examples (README, Training benchmark); fixed, so that a version reproduces.
   */
  static final XgboostSettings RANKER_SETTINGS = new XgboostSettings(100, 3, 0.1, 20, 1);

  /**
   * Boosts {@link #RANKER_SETTINGS}' trees with a pairwise ranking objective on the rows of {@code train} grouped
   * by request: it learns which of a request's items was clicked rather than how likely a click is, the part of a
   * global AUC that the pointwise learners share least (continuing {@code initial} when present). Its margins are
   * scores, not logits. Groups in one order, by a hash of the request, for the reason {@link #fit} gives.
   */
  static Booster fitRanker(Dataset<Row> train, TrainConfig config, Optional<Booster> initial) {
    Dataset<Row> ordered = train.orderBy(xxhash64(col("request_id")), col("request_id"), col("item_id"));
    Map<String, Object> params = settingsParams(RANKER_SETTINGS, config.gpu());
    params.put("objective", "rank:pairwise");
    return boost(ordered, true, params, RANKER_SETTINGS.rounds(), initial);
  }

  /**
   * Streams {@code ordered}'s rows to the driver into a DMatrix and boosts on it; {@code byRequest}: with its runs
   * of one {@code request_id} as XGBoost's query groups.
   */
  private static Booster boost(Dataset<Row> ordered, boolean byRequest, Map<String, Object> params, int rounds,
      Optional<Booster> initial) {
    Column features = functions.vector_to_array(col("features"), "float32");
    Iterator<Row> rows = (byRequest ? ordered.select(features, col("label"), col("request_id"))
        : ordered.select(features, col("label"))).toLocalIterator();
    RequestGroups groups = new RequestGroups();
    Iterator<LabeledPoint> points = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public LabeledPoint next() {
        Row row = rows.next();
        if (byRequest) {
          groups.add(row.getString(2));
        }
        List<Float> values = row.getList(0);
        float[] dense = new float[values.size()];
        for (int i = 0; i < dense.length; i++) {
          dense[i] = values.get(i);
        }
        return new LabeledPoint((float) row.getDouble(1), dense.length, null, dense);
      }
    };
    try {
      DMatrix matrix = new DMatrix(points, null, Float.NaN);
      try {
        if (byRequest) {
          int[] sizes = groups.sizes();
          matrix.setGroup(sizes);
          // A ranking objective weighs groups, not rows: the row iterator gave every row weight 1.
          float[] groupWeights = new float[sizes.length];
          Arrays.fill(groupWeights, 1f);
          matrix.setWeight(groupWeights);
        }
        return XGBoost.train(matrix, params, rounds, Map.of(), null, null, null, 0, initial.orElse(null));
      } finally {
        matrix.dispose();
      }
    } catch (XGBoostError e) {
      throw new LakehouseException("XGBoost training failed: " + e.getMessage(), e);
    }
  }

  /** The sizes of the runs of one request in a stream of rows, in order. */
  private static final class RequestGroups {
    private final List<Integer> sizes = new ArrayList<>();
    private String request;
    private int size;

    void add(String rowRequest) {
      if (!rowRequest.equals(request)) {
        if (size > 0) {
          sizes.add(size);
        }
        request = rowRequest;
        size = 0;
      }
      size++;
    }

    int[] sizes() {
      IntStream last = size > 0 ? IntStream.of(size) : IntStream.empty();
      return IntStream.concat(sizes.stream().mapToInt(Integer::intValue), last).toArray();
    }
  }

  private static Map<String, Object> clickParams(TrainConfig config) {
    Map<String, Object> params = settingsParams(config.xgboost(), config.gpu());
    params.put("objective", "binary:logistic");
    return params;
  }

  private static Map<String, Object> settingsParams(XgboostSettings settings, boolean gpu) {
    Map<String, Object> params = new HashMap<>();
    params.put("eta", settings.eta());
    params.put("max_depth", settings.maxDepth());
    params.put("min_child_weight", settings.minChildWeight());
    params.put("subsample", settings.subsample());
    params.put("tree_method", "hist");
    params.put("seed", 7);
    params.put("nthread", Runtime.getRuntime().availableProcessors());
    if (gpu) {
      params.put("device", "cuda");
    }
    return params;
  }

  /**
   * A Spark model around a copy of {@code booster}: features in {@code features}, probability vector in
   * {@code xgb_probability}. A copy, because the Scala wrapper the model needs disposes the booster it
   * wraps when it is garbage-collected (its finalizer): wrapping the caller's booster would free it
   * under the caller once the model is dropped (seen as "Booster has already been disposed").
   */
  static XGBoostClassificationModel sparkModel(Booster booster) {
    return sparkModel(booster, "xgb");
  }

  /** {@link #sparkModel(Booster)} with its columns named {@code <prefix>_probability}, {@code _raw}, {@code _prediction}. */
  static XGBoostClassificationModel sparkModel(Booster booster, String prefix) {
    Booster copy;
    try {
      copy = XGBoost.loadModel(booster.toByteArray("ubj"));
    } catch (XGBoostError | IOException e) {
      throw new LakehouseException("Cannot copy the XGBoost booster for Spark scoring: " + e.getMessage(), e);
    }
    XGBoostClassificationModel model = new XGBoostClassificationModel(Identifiable.randomUID("xgbc"), 2,
        new ml.dmlc.xgboost4j.scala.Booster(copy), Option.<XGBoostTrainingSummary>empty());
    model.setFeaturesCol("features");
    model.setProbabilityCol(prefix + "_probability");
    model.setRawPredictionCol(prefix + "_raw");
    model.setPredictionCol(prefix + "_prediction");
    return model;
  }
}
