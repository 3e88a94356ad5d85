package dev.flywheel.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.flywheel.lakehouse.LakehouseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.FMClassificationModel;
import org.apache.spark.ml.classification.FMClassifier;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.feature.VectorSizeHint;
import org.apache.spark.ml.functions;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * The factorization-machine base learner: MLlib's {@code FMClassifier} over the normalized dense
 * features plus one-hot user and item buckets, so it learns a bias and latent factors per id next to
 * the features' pairwise interactions. One Spark pipeline does it all (saved as the version's
 * {@code fm} model, so a champion rescored later sees the same indexing):
 * <ol>
 *   <li>per id kind, the buckets with at least {@link Settings#minIdCount} training examples get a dense
 *       index ({@code StringIndexer}, fitted on those alone); every other bucket, unseen or null, takes
 *       the extra "unknown" index. Dense, because a one-hot over all hash buckets (2^20 by default) would
 *       make every MLlib gradient step aggregate tens of millions of doubles; frequent only, because an
 *       id seen once would be memorized (AdamW moves a rare input as fast as a frequent one) and teach
 *       the dense weights nothing;
 *   <li>{@code OneHotEncoder} with dropLast: the last index is the unknown one, so a rare or new id has
 *       no id term at all, in Spark as on the server (a bucket absent from fm.json). A kind with no
 *       frequent bucket has no one-hot;
 *   <li>the dense features, then the user one-hot, then the item one-hot, assembled in that order.
 * </ol>
 * MLlib's FM has no warm start (no initial model), so it trains from scratch in every run.
 */
final class Fm {
  /** Output columns of the pipeline: probability vector and the stage's other outputs. */
  private static final String PROBABILITY = "fm_probability";
  private static final String RAW = "fm_raw";
  private static final String PREDICTION = "fm_prediction";
  private static final String FEATURES = "fm_features";

  /** The id kinds in input order: bucket column, its index and one-hot columns, its fm.json entry. */
  private enum Id {
    USER("user_bucket", "fm_user_index", "fm_user", "users"),
    ITEM("item_bucket", "fm_item_index", "fm_item", "items");

    final String bucket;
    final String index;
    final String oneHot;
    final String bundleName;

    Id(String bucket, String index, String oneHot, String bundleName) {
      this.bucket = bucket;
      this.index = index;
      this.oneHot = oneHot;
      this.bundleName = bundleName;
    }
  }

  /** Why the card records no warm start for fm. */
  static final String NO_WARM_START = "MLlib's FMClassifier has no initial model: fm trains from scratch every run";

  /**
   * The learner's hyperparameters (solver AdamW, full batch: deterministic, so a version reproduces).
   *
   * @param factorSize latent factors per input
   * @param stepSize AdamW's learning rate
   * @param regParam AdamW's weight decay per step (MLlib subtracts regParam * w each step, so below 1)
   * @param maxIter gradient steps
   * @param minIdCount training examples an id bucket needs to get its own weights
   */
  record Settings(int factorSize, double stepSize, double regParam, int maxIter, long minIdCount) {
    /** Sized for a couple of cores and about 1e5 examples. */
    static final Settings DEFAULT = new Settings(8, 0.05, 0.001, 100, 20);

    Settings {
      if (factorSize < 1 || !(stepSize > 0) || !(regParam >= 0 && regParam < 1) || maxIter < 1 || minIdCount < 1) {
        throw new IllegalArgumentException("fm settings out of range: " + factorSize + " factors, step " + stepSize
            + ", reg " + regParam + ", " + maxIter + " iterations, min id count " + minIdCount);
      }
    }

    /** The settings as the model card shows them. */
    Map<String, Object> asCard() {
      return Map.of("solver", "adamW", "factor_size", factorSize, "step_size", stepSize, "reg_param", regParam,
          "max_iter", maxIter, "min_id_count", minIdCount, "seed", SEED);
    }
  }

  private static final long SEED = 11;

  private Fm() {}

  /** Fits the pipeline on labelled rows with the dense {@code features} vector and the bucket columns. */
  static PipelineModel fit(Dataset<Row> train, Settings settings) {
    // The dense vector comes from array_to_vector, which carries no size: declare it, so the assembler
    // does not look at a first row (and fail on an empty slice).
    List<PipelineStage> stages = new ArrayList<>(List.of(
        new VectorSizeHint().setInputCol("features").setSize(Trainer.featureColumns().size())));
    List<String> inputs = new ArrayList<>(List.of("features"));
    for (Id id : Id.values()) {
      Dataset<Row> frequent = train.withColumn(id.bucket, when(count(lit(1)).over(Window.partitionBy(id.bucket))
          .geq(settings.minIdCount()), col(id.bucket)));
      StringIndexerModel index = new StringIndexer().setInputCol(id.bucket).setOutputCol(id.index)
          .setHandleInvalid("keep").setStringOrderType("alphabetAsc").fit(frequent);
      if (index.labelsArray()[0].length > 0) {
        stages.add(index);
        stages.add(new OneHotEncoder().setInputCol(id.index).setOutputCol(id.oneHot).setDropLast(true));
        inputs.add(id.oneHot);
      }
    }
    stages.add(new VectorAssembler().setInputCols(inputs.toArray(String[]::new)).setOutputCol(FEATURES));
    stages.add(new FMClassifier().setFeaturesCol(FEATURES).setLabelCol("label")
        .setFactorSize(settings.factorSize()).setSolver("adamW").setStepSize(settings.stepSize())
        .setRegParam(settings.regParam()).setMaxIter(settings.maxIter()).setMiniBatchFraction(1.0).setSeed(SEED)
        .setProbabilityCol(PROBABILITY).setRawPredictionCol(RAW).setPredictionCol(PREDICTION));
    return new Pipeline().setStages(stages.toArray(PipelineStage[]::new)).fit(train);
  }

  /** Adds {@code p_fm} to vectorized rows, without the pipeline's intermediate columns. */
  static Dataset<Row> score(PipelineModel model, Dataset<Row> rows) {
    return model.transform(rows)
        .withColumn("p_fm", functions.vector_to_array(col(PROBABILITY), "float64").getItem(1))
        .drop(PROBABILITY, RAW, PREDICTION, FEATURES, Id.USER.index, Id.USER.oneHot, Id.ITEM.index, Id.ITEM.oneHot);
  }

  /**
   * Fails unless every bucket of {@code labelled} is {@code pmod(xxhash64(id), hashBuckets)} of its
   * id: the bundle tells the server to hash ids that way, so a features run with another bucket count
   * would otherwise give served ids other factors than trained ones, silently.
   */
  static void requireBuckets(Dataset<Row> labelled, long hashBuckets) {
    Row mismatches = labelled.agg(count(lit(1)),
        sum(when(col("user_bucket").notEqual(pmod(xxhash64(col("user_id")), lit(hashBuckets))), 1).otherwise(0)),
        sum(when(col("item_bucket").notEqual(pmod(xxhash64(col("item_id")), lit(hashBuckets))), 1).otherwise(0)))
        .first();
    long wrong = mismatches.isNullAt(1) ? 0 : mismatches.getLong(1) + mismatches.getLong(2);
    if (wrong > 0) {
      throw new LakehouseException(wrong + " user_bucket/item_bucket values of " + mismatches.getLong(0)
          + " examples are not pmod(xxhash64(id), " + hashBuckets + "): the examples were built with another"
          + " hash bucket count than the last features run recorded; rebuild them with `flywheel features`");
    }
  }

  /**
   * The bundle's {@code fm.json}: the dense features' weights in vector order, then the weights of
   * each user and item bucket that has its own (any other bucket has no id term).
   */
  static Map<String, Object> asBundle(PipelineModel pipeline) {
    FMClassificationModel fm = (FMClassificationModel) pipeline.stages()[pipeline.stages().length - 1];
    Vector linear = fm.linear();
    Matrix factors = fm.factors();
    int dense = Trainer.featureColumns().size();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("intercept", fm.intercept());
    json.put("factor_size", factors.numCols());
    List<double[]> denseFactors = new ArrayList<>();
    double[] denseLinear = new double[dense];
    for (int i = 0; i < dense; i++) {
      denseLinear[i] = linear.apply(i);
      denseFactors.add(row(factors, i));
    }
    json.put("features", Map.of("linear", denseLinear, "factors", denseFactors));
    int offset = dense;
    for (Id id : Id.values()) {
      List<Long> buckets = new ArrayList<>();
      List<Double> weights = new ArrayList<>();
      List<double[]> idFactors = new ArrayList<>();
      for (Transformer stage : pipeline.stages()) {
        if (stage instanceof StringIndexerModel index && index.getInputCol().equals(id.bucket)) {
          for (String label : index.labelsArray()[0]) {
            buckets.add(Long.parseLong(label));
            weights.add(linear.apply(offset));
            idFactors.add(row(factors, offset));
            offset++;
          }
        }
      }
      json.put(id.bundleName, Map.of("buckets", buckets, "linear", weights, "factors", idFactors));
    }
    if (offset != linear.size()) {
      throw new IllegalStateException("fm has " + linear.size() + " inputs, the pipeline describes " + offset);
    }
    return json;
  }

  private static double[] row(Matrix matrix, int i) {
    double[] row = new double[matrix.numCols()];
    for (int f = 0; f < row.length; f++) {
      row[f] = matrix.apply(i, f);
    }
    return row;
  }
}
