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
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
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
import org.apache.spark.ml.linalg.Vectors;
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
 * MLlib's FM has no initial model; {@link #fit(Dataset, Settings, Optional)} gives it one
 * ({@link Continued}), so an incremental run continues the champion's weights for fewer steps.
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

  /** What a warm start of fm keeps and what it does not, for the model card. */
  static final String WARM_START_NOTE = "continues the champion's intercept, feature weights and the weights of every"
      + " id bucket it knew, for warm_start_max_iter AdamW steps (AdamW's moments start anew); an id bucket new to the"
      + " run starts as in a cold fit; cold with --full, or when the champion's factor size or features differ";
  /** MLlib's default standard deviation of the initial factors, for the id buckets a warm start has not seen. */
  private static final double INIT_STD = 0.01;

  /**
   * The learner's hyperparameters (solver AdamW, full batch: deterministic, so a version reproduces).
   *
   * @param factorSize latent factors per input
   * @param stepSize AdamW's learning rate
   * @param regParam AdamW's weight decay per step (MLlib subtracts regParam * w each step, so below 1)
   * @param maxIter gradient steps of a cold fit
   * @param warmStartMaxIter gradient steps of a fit that continues a champion's weights
   * @param minIdCount training examples an id bucket needs to get its own weights
   */
  record Settings(int factorSize, double stepSize, double regParam, int maxIter, int warmStartMaxIter,
      long minIdCount) {
    /** Sized for a couple of cores and about 1e5 examples. */
    static final Settings DEFAULT = new Settings(8, 0.05, 0.001, 100, 30, 20);

    Settings {
      if (factorSize < 1 || !(stepSize > 0) || !(regParam >= 0 && regParam < 1) || maxIter < 1
          || warmStartMaxIter < 0 || minIdCount < 1) {
        throw new IllegalArgumentException("fm settings out of range: " + factorSize + " factors, step " + stepSize
            + ", reg " + regParam + ", " + maxIter + " iterations (" + warmStartMaxIter + " warm-started), min id"
            + " count " + minIdCount);
      }
    }

    /** The same settings with {@code iterations} gradient steps for a warm start. */
    Settings withWarmStartMaxIter(int iterations) {
      return new Settings(factorSize, stepSize, regParam, maxIter, iterations, minIdCount);
    }

    /** The settings as the model card shows them. */
    Map<String, Object> asCard() {
      return Map.of("solver", "adamW", "factor_size", factorSize, "step_size", stepSize, "reg_param", regParam,
          "max_iter", maxIter, "warm_start_max_iter", warmStartMaxIter, "min_id_count", minIdCount, "seed", SEED);
    }
  }

  private static final long SEED = 11;

  private Fm() {}

  /** Fits the pipeline cold on labelled rows with the dense {@code features} vector and the bucket columns. */
  static PipelineModel fit(Dataset<Row> train, Settings settings) {
    return fit(train, settings, Optional.empty());
  }

  /**
   * Fits the pipeline on labelled rows with the dense {@code features} vector and the bucket columns,
   * continuing {@code champion}'s weights when given (see {@link #canContinue}): the id indexes are
   * fitted anew on {@code train}, and every id bucket the champion knew keeps its weights as the start.
   */
  static PipelineModel fit(Dataset<Row> train, Settings settings, Optional<PipelineModel> champion) {
    // The dense vector comes from array_to_vector, which carries no size: declare it, so the assembler
    // does not look at a first row (and fail on an empty slice).
    List<PipelineStage> stages = new ArrayList<>(List.of(
        new VectorSizeHint().setInputCol("features").setSize(Trainer.featureColumns().size())));
    List<String> inputs = new ArrayList<>(List.of("features"));
    Map<Id, String[]> labels = new EnumMap<>(Id.class);
    for (Id id : Id.values()) {
      Dataset<Row> frequent = train.withColumn(id.bucket, when(count(lit(1)).over(Window.partitionBy(id.bucket))
          .geq(settings.minIdCount()), col(id.bucket)));
      StringIndexerModel index = new StringIndexer().setInputCol(id.bucket).setOutputCol(id.index)
          .setHandleInvalid("keep").setStringOrderType("alphabetAsc").fit(frequent);
      labels.put(id, index.labelsArray()[0]);
      if (index.labelsArray()[0].length > 0) {
        stages.add(index);
        stages.add(new OneHotEncoder().setInputCol(id.index).setOutputCol(id.oneHot).setDropLast(true));
        inputs.add(id.oneHot);
      }
    }
    stages.add(new VectorAssembler().setInputCols(inputs.toArray(String[]::new)).setOutputCol(FEATURES));
    FMClassifier classifier = champion.isPresent()
        ? new Continued(initialCoefficients(champion.get(), labels, settings.factorSize()))
            .setMaxIter(settings.warmStartMaxIter())
        : new FMClassifier().setMaxIter(settings.maxIter());
    stages.add(classifier.setFeaturesCol(FEATURES).setLabelCol("label")
        .setFactorSize(settings.factorSize()).setSolver("adamW").setStepSize(settings.stepSize())
        .setRegParam(settings.regParam()).setInitStd(INIT_STD).setMiniBatchFraction(1.0).setSeed(SEED)
        .setProbabilityCol(PROBABILITY).setRawPredictionCol(RAW).setPredictionCol(PREDICTION));
    return new Pipeline().setStages(stages.toArray(PipelineStage[]::new)).fit(train);
  }

  /**
   * Whether a fit with {@code settings} can continue {@code champion}: the same factor size and the same
   * dense features (a version of other code may have had other features).
   */
  static boolean canContinue(PipelineModel champion, Settings settings) {
    FMClassificationModel previous = classifier(champion);
    int ids = 0;
    for (Id id : Id.values()) {
      ids += labels(champion, id).length;
    }
    return previous.factors().numCols() == settings.factorSize()
        && previous.numFeatures() - ids == Trainer.featureColumns().size();
  }

  /**
   * MLlib's {@code FMClassifier} starting from given coefficients instead of random ones. It overrides
   * {@code initCoefficients}, a method of MLlib's package-private {@code FactorizationMachines} trait
   * (public in bytecode, not a supported API): the one place that relies on it, so an MLlib upgrade that
   * changes it breaks only here, and {@code FmTest} shows it.
   */
  private static final class Continued extends FMClassifier {
    private final org.apache.spark.mllib.linalg.Vector initial;

    Continued(Vector initial) {
      this.initial = org.apache.spark.mllib.linalg.Vectors.fromML(initial);
    }

    @Override
    public org.apache.spark.mllib.linalg.Vector initCoefficients(int numFeatures) {
      int expected = numFeatures * (getFactorSize() + 1) + 1;
      if (initial.size() != expected) {
        throw new IllegalStateException("fm warm start: " + initial.size() + " initial coefficients for "
            + numFeatures + " inputs, expected " + expected);
      }
      return initial;
    }
  }

  /**
   * The coefficients a warm-started fit begins from, in MLlib's layout for this run's inputs (the dense
   * features, then the id buckets of {@code labels}): the champion's intercept, feature weights and the
   * weights of each id bucket it knew; a bucket new to the run has no linear weight and small random
   * factors, as in a cold fit.
   */
  private static Vector initialCoefficients(PipelineModel champion, Map<Id, String[]> labels, int factorSize) {
    FMClassificationModel previous = classifier(champion);
    int dense = Trainer.featureColumns().size();
    Map<Id, Map<String, Integer>> previousRows = new EnumMap<>(Id.class);
    int offset = dense;
    for (Id id : Id.values()) {
      Map<String, Integer> rows = new HashMap<>();
      for (String label : labels(champion, id)) {
        rows.put(label, offset++);
      }
      previousRows.put(id, rows);
    }
    int inputs = dense + labels.values().stream().mapToInt(bucket -> bucket.length).sum();
    double[] linear = new double[inputs];
    double[] factors = new double[inputs * factorSize];
    Random random = new Random(SEED);
    int row = 0;
    for (; row < dense; row++) {
      copyRow(previous, row, row, linear, factors);
    }
    for (Id id : Id.values()) {
      for (String label : labels.get(id)) {
        Integer known = previousRows.get(id).get(label);
        if (known != null) {
          copyRow(previous, known, row, linear, factors);
        } else {
          for (int f = 0; f < factorSize; f++) {
            factors[row * factorSize + f] = random.nextGaussian() * INIT_STD;
          }
        }
        row++;
      }
    }
    // MLlib's layout (FactorizationMachines.splitCoefficients): the factors row by row, the linear
    // weights, the intercept.
    double[] coefficients = new double[factors.length + inputs + 1];
    System.arraycopy(factors, 0, coefficients, 0, factors.length);
    System.arraycopy(linear, 0, coefficients, factors.length, inputs);
    coefficients[coefficients.length - 1] = previous.intercept();
    return Vectors.dense(coefficients);
  }

  /** Copies input {@code from}'s linear weight and factors of {@code previous} to input {@code to}. */
  private static void copyRow(FMClassificationModel previous, int from, int to, double[] linear, double[] factors) {
    int factorSize = previous.factors().numCols();
    linear[to] = previous.linear().apply(from);
    for (int f = 0; f < factorSize; f++) {
      factors[to * factorSize + f] = previous.factors().apply(from, f);
    }
  }

  private static FMClassificationModel classifier(PipelineModel pipeline) {
    return (FMClassificationModel) pipeline.stages()[pipeline.stages().length - 1];
  }

  /** The id buckets of kind {@code id} that have their own weights in {@code pipeline}, in input order. */
  private static String[] labels(PipelineModel pipeline, Id id) {
    for (Transformer stage : pipeline.stages()) {
      if (stage instanceof StringIndexerModel index && index.getInputCol().equals(id.bucket)) {
        return index.labelsArray()[0];
      }
    }
    return new String[0];
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
    FMClassificationModel fm = classifier(pipeline);
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
      for (String label : labels(pipeline, id)) {
        buckets.add(Long.parseLong(label));
        weights.add(linear.apply(offset));
        idFactors.add(row(factors, offset));
        offset++;
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
