package dev.flywheel.serving.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelBundleTest {
  private static final int ROWS = 2_000;
  private static final int FEATURES = 4;
  private static final List<String> NAMES = List.of("position", "u_clicks", "i_ctr", "hour_of_day");

  @TempDir static Path dir;
  private static float[][] rows;
  private static float[] xgboostPredictions;

  /** A real XGBoost model on data with a planted signal, NaNs included, saved in XGBoost's JSON format. */
  @BeforeAll
  static void trainBooster() throws Exception {
    Random random = new Random(3);
    rows = new float[ROWS][FEATURES];
    float[] flat = new float[ROWS * FEATURES];
    float[] labels = new float[ROWS];
    for (int r = 0; r < ROWS; r++) {
      for (int f = 0; f < FEATURES; f++) {
        rows[r][f] = random.nextInt(50) == 0 ? Float.NaN : (float) random.nextGaussian();
        flat[r * FEATURES + f] = rows[r][f];
      }
      double signal = 1.5 * nanToZero(rows[r][1]) - nanToZero(rows[r][2]) * nanToZero(rows[r][3]);
      labels[r] = random.nextDouble() < 1 / (1 + Math.exp(-signal)) ? 1 : 0;
    }
    DMatrix matrix = new DMatrix(flat, ROWS, FEATURES, Float.NaN);
    matrix.setLabel(labels);
    Map<String, Object> params = new HashMap<>(Map.of("objective", "binary:logistic", "max_depth", 4, "eta", 0.3,
        "tree_method", "hist", "seed", 7, "nthread", 1));
    Booster booster = XGBoost.train(matrix, params, 25, Map.of(), null, null);
    float[][] predicted = booster.predict(matrix);
    xgboostPredictions = new float[ROWS];
    for (int r = 0; r < ROWS; r++) {
      xgboostPredictions[r] = predicted[r][0];
    }
    booster.saveModel(dir.resolve("xgboost.json").toString());
    Files.writeString(dir.resolve("lr.json"), "{\"intercept\": -0.5, \"coefficients\": [0.1, 0.8, -0.3, 0.05]}");
    Files.writeString(dir.resolve("stack.json"),
        "{\"intercept\": 0.2, \"coefficients\": [0.4, 0.9], \"inputs\": [\"logit_lr\", \"logit_xgboost\"]}");
    Files.writeString(dir.resolve("model-card.json"), "{\"version\": 1}");
    writeManifest(dir, "{}");
  }

  private static void writeManifest(Path into, String normalization) throws Exception {
    writeManifest(into, normalization, "");
  }

  /** A manifest whose learners are lr, xgboost and {@code moreLearners} (e.g. {@code , "fm": "fm.json"}). */
  private static void writeManifest(Path into, String normalization, String moreLearners) throws Exception {
    Files.writeString(into.resolve("manifest.json"), """
        {"format": "flywheel-bundle/1", "label": "clicked",
         "features": ["position", "u_clicks", "i_ctr", "hour_of_day"],
         "normalization": %s, "missing_value": 0.0,
         "feature_config": {"prior_strength": 20.0, "half_lives_seconds": [3600, 86400, 604800]},
         "hash_buckets": 1000,
         "learners": {"lr": "lr.json", "xgboost": "xgboost.json"%s}, "stack": "stack.json", "score": "stack",
         "card": "model-card.json"}
        """.formatted(normalization, moreLearners));
  }

  private static Candidates oneRow(String userId, String itemId, double[] raw) {
    return new Candidates(userId, List.of(itemId), new double[][] {raw});
  }

  @Test
  void plainJavaTreeWalkEqualsXGBoostsOwnPredictions() {
    // NaN is XGBoost's missing value: the walk must take each split's default branch as XGBoost does.
    XGBoostTrees trees = XGBoostTrees.fromJson(readTrees());
    double maxDifference = 0;
    for (int r = 0; r < ROWS; r++) {
      double[] x = new double[FEATURES];
      for (int f = 0; f < FEATURES; f++) {
        x[f] = rows[r][f];
      }
      maxDifference = Math.max(maxDifference, Math.abs(trees.probability(x) - xgboostPredictions[r]));
    }
    assertTrue(maxDifference <= 1e-6, "max |plain Java - XGBoost| = " + maxDifference);
    assertEquals(25, trees.size());
  }

  @Test
  void stackCombinesTheLearnersLogits() {
    ModelBundle bundle = ModelBundle.load(dir);
    double[] raw = {0, 1.0, -0.5, 2.0};
    Map<String, double[]> all = bundle.scoreAll(oneRow("u-1", "i-1", raw));
    double pLr = 1 / (1 + Math.exp(-(-0.5 + 0.8 - 0.3 * -0.5 + 0.05 * 2.0)));
    assertEquals(pLr, all.get(ModelBundle.P_LR)[0], 1e-12);
    double expected = 1 / (1 + Math.exp(-(0.2 + 0.4 * LinearModel.logit(pLr)
        + 0.9 * LinearModel.logit(all.get(ModelBundle.P_XGBOOST)[0]))));
    assertEquals(expected, all.get(ModelBundle.P_STACK)[0], 1e-12);
    assertEquals(expected, bundle.score(oneRow("u-1", "i-1", raw))[0], 1e-12);
    assertEquals(List.of(ModelBundle.P_LR, ModelBundle.P_XGBOOST, ModelBundle.P_STACK), bundle.outputs());
    assertEquals(NAMES, bundle.features());
    assertEquals(List.of(3600.0, 86400.0, 604800.0), bundle.halfLivesSeconds());
  }

  /**
   * fm.json scored with the FM identity, checked against the textbook sum over pairs; the user's and
   * the item's buckets are hashed from the ids; an id whose bucket the model lacks adds nothing.
   */
  @Test
  void factorizationMachineScoresTheFeaturesAndTheHashedIdsAndFeedsTheStack(@TempDir Path fmDir) throws Exception {
    for (String file : List.of("lr.json", "xgboost.json", "model-card.json")) {
      Files.copy(dir.resolve(file), fmDir.resolve(file));
    }
    long user = IdBuckets.bucket("u-7", 1000);
    long item = IdBuckets.bucket("i-9", 1000);
    double[][] denseFactors = {{0.1, -0.2}, {0.3, 0.05}, {-0.4, 0.2}, {0.0, 0.1}};
    double[] denseLinear = {0.2, -0.1, 0.05, 0.3};
    double[] userFactors = {0.5, -0.3};
    double[] itemFactors = {-0.2, 0.6};
    ObjectMapper json = new ObjectMapper();
    Files.writeString(fmDir.resolve("fm.json"), json.writeValueAsString(Map.of("intercept", -0.3, "factor_size", 2,
        "features", Map.of("linear", denseLinear, "factors", denseFactors),
        "users", Map.of("buckets", List.of(user), "linear", List.of(0.7), "factors", List.of(userFactors)),
        "items", Map.of("buckets", List.of(item), "linear", List.of(-0.4), "factors", List.of(itemFactors)))));
    Files.writeString(fmDir.resolve("stack.json"), "{\"intercept\": 0.1, \"coefficients\": [0.4, 0.9, 0.5],"
        + " \"inputs\": [\"logit_lr\", \"logit_xgboost\", \"logit_fm\"]}");
    writeManifest(fmDir, "{}", ", \"fm\": \"fm.json\"");
    ModelBundle bundle = ModelBundle.load(fmDir);
    double[] raw = {0, 1.0, -0.5, 2.0};

    Map<String, double[]> known = bundle.scoreAll(oneRow("u-7", "i-9", raw));
    Map<String, double[]> unknownItem = bundle.scoreAll(oneRow("u-7", "i-new", raw));

    // Inputs: the 4 dense features, then the user's one-hot 1, then the item's.
    double[] x = {raw[0], raw[1], raw[2], raw[3], 1, 1};
    double[] linear = {denseLinear[0], denseLinear[1], denseLinear[2], denseLinear[3], 0.7, -0.4};
    double[][] factors = {denseFactors[0], denseFactors[1], denseFactors[2], denseFactors[3], userFactors, itemFactors};
    assertEquals(sigmoid(fmMargin(-0.3, linear, factors, x)), known.get(ModelBundle.P_FM)[0], 1e-12);
    x[5] = 0;
    assertEquals(sigmoid(fmMargin(-0.3, linear, factors, x)), unknownItem.get(ModelBundle.P_FM)[0], 1e-12);
    double stack = sigmoid(0.1 + 0.4 * LinearModel.logit(known.get(ModelBundle.P_LR)[0])
        + 0.9 * LinearModel.logit(known.get(ModelBundle.P_XGBOOST)[0])
        + 0.5 * LinearModel.logit(known.get(ModelBundle.P_FM)[0]));
    assertEquals(stack, known.get(ModelBundle.P_STACK)[0], 1e-12);
    assertEquals(List.of(ModelBundle.P_LR, ModelBundle.P_XGBOOST, ModelBundle.P_FM, ModelBundle.P_STACK),
        bundle.outputs());

    Files.writeString(fmDir.resolve("stack.json"), "{\"intercept\": 0.1, \"coefficients\": [0.4, 0.9],"
        + " \"inputs\": [\"logit_lr\", \"logit_xgboost\"]}");
    InvalidBundleException twoInputs = assertThrows(InvalidBundleException.class, () -> ModelBundle.load(fmDir));
    assertTrue(twoInputs.getMessage().contains("[logit_lr, logit_xgboost, logit_fm]"), twoInputs.getMessage());
  }

  /** w0 + sum_i w_i x_i + sum_{i<j} (v_i . v_j) x_i x_j. */
  private static double fmMargin(double intercept, double[] linear, double[][] factors, double[] x) {
    double margin = intercept;
    for (int i = 0; i < x.length; i++) {
      margin += linear[i] * x[i];
      for (int j = i + 1; j < x.length; j++) {
        double dot = 0;
        for (int f = 0; f < factors[i].length; f++) {
          dot += factors[i][f] * factors[j][f];
        }
        margin += dot * x[i] * x[j];
      }
    }
    return margin;
  }

  private static double sigmoid(double margin) {
    return 1 / (1 + Math.exp(-margin));
  }

  @Test
  void normalizationReplacesNullsThenAppliesEachTransform(@TempDir Path other) throws Exception {
    for (String file : List.of("lr.json", "stack.json", "xgboost.json", "model-card.json")) {
      Files.copy(dir.resolve(file), other.resolve(file));
    }
    writeManifest(other, """
        {"position": {"transform": "zscore", "mean": 1.0, "stddev": 2.0},
         "u_clicks": {"transform": "log1p_zscore", "mean": 0.5, "stddev": 0.25},
         "i_ctr": {"transform": "zscore", "mean": 0.1, "stddev": 0.0}}""");
    double[] normalized = ModelBundle.load(other).normalize(new double[] {5, Double.NaN, 0.3, 7});
    assertEquals(2.0, normalized[0], 1e-12);
    assertEquals((Math.log1p(0) - 0.5) / 0.25, normalized[1], 1e-12);
    assertEquals(0.0, normalized[2], 0);
    assertEquals(7.0, normalized[3], 0);
  }

  @Test
  void aBrokenBundleFailsWithTheFileAndTheReason(@TempDir Path broken) throws Exception {
    InvalidBundleException missing = assertThrows(InvalidBundleException.class, () -> ModelBundle.load(broken));
    assertTrue(missing.getMessage().contains("manifest.json"), missing.getMessage());

    for (String file : List.of("stack.json", "xgboost.json", "model-card.json")) {
      Files.copy(dir.resolve(file), broken.resolve(file));
    }
    Files.writeString(broken.resolve("lr.json"), "{\"intercept\": 0, \"coefficients\": [1, 2]}");
    writeManifest(broken, "{}");
    InvalidBundleException mismatch = assertThrows(InvalidBundleException.class, () -> ModelBundle.load(broken));
    assertTrue(mismatch.getMessage().contains("4 features but lr has 2"), mismatch.getMessage());

    Files.writeString(broken.resolve("manifest.json"), "{\"format\": \"flywheel-bundle/0\"}");
    InvalidBundleException format = assertThrows(InvalidBundleException.class, () -> ModelBundle.load(broken));
    assertTrue(format.getMessage().contains("expected flywheel-bundle/1"), format.getMessage());
  }

  private static JsonNode readTrees() {
    try {
      return new ObjectMapper().readTree(dir.resolve("xgboost.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static double nanToZero(float value) {
    return Float.isNaN(value) ? 0 : value;
  }
}
