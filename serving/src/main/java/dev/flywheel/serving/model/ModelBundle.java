package dev.flywheel.serving.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained version as the trainer exports it ({@code flywheel-bundle/1}): the feature specification
 * with its normalization statistics, the base learners (logistic regression, XGBoost) and the stack over
 * their logits. Scores without Spark exactly as training did. Immutable and thread-safe.
 *
 * <p>Layout of the bundle folder: {@code manifest.json} names the features in vector order, their
 * transforms, the value a missing feature takes before its transform, the feature job's settings the
 * features were computed with, and the files of the learners ({@code lr.json}, {@code xgboost.json},
 * {@code stack.json}) and the model card.
 */
public final class ModelBundle {
  /** The format this reader understands. */
  public static final String FORMAT = "flywheel-bundle/1";
  /** Output names of {@link #scoreAll}. */
  public static final String P_LR = "p_lr";
  public static final String P_XGBOOST = "p_xgboost";
  public static final String P_STACK = "p_stack";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path directory;
  private final String label;
  private final List<String> features;
  private final FeatureTransform[] transforms;
  private final double missingValue;
  private final double priorStrength;
  private final List<Double> halfLivesSeconds;
  private final LinearModel lr;
  private final XGBoostTrees xgboost;
  private final LinearModel stack;
  private final String scoreOutput;
  private final JsonNode card;

  private ModelBundle(Path directory, String label, List<String> features, FeatureTransform[] transforms,
      double missingValue, double priorStrength, List<Double> halfLivesSeconds, LinearModel lr, XGBoostTrees xgboost,
      LinearModel stack, String scoreOutput, JsonNode card) {
    this.directory = directory;
    this.label = label;
    this.features = features;
    this.transforms = transforms;
    this.missingValue = missingValue;
    this.priorStrength = priorStrength;
    this.halfLivesSeconds = halfLivesSeconds;
    this.lr = lr;
    this.xgboost = xgboost;
    this.stack = stack;
    this.scoreOutput = scoreOutput;
    this.card = card;
  }

  /**
   * Reads the bundle in {@code directory}.
   *
   * @throws InvalidBundleException when a file is missing or unreadable, the format is not {@link #FORMAT},
   *     or the learners do not agree with the manifest's feature list
   */
  public static ModelBundle load(Path directory) {
    JsonNode manifest = readJson(directory, "manifest.json");
    String format = manifest.path("format").asText();
    if (!format.equals(FORMAT)) {
      throw new InvalidBundleException(directory + "/manifest.json has format '" + format + "'; expected " + FORMAT);
    }
    List<String> features = new ArrayList<>();
    required(manifest, "features", directory).forEach(name -> features.add(name.asText()));
    JsonNode normalization = manifest.path("normalization");
    FeatureTransform[] transforms = new FeatureTransform[features.size()];
    for (int i = 0; i < transforms.length; i++) {
      JsonNode spec = normalization.path(features.get(i));
      transforms[i] = spec.isMissingNode() ? FeatureTransform.IDENTITY : new FeatureTransform(
          FeatureTransform.Kind.of(spec.path("transform").asText("none")), spec.path("mean").asDouble(0),
          spec.path("stddev").asDouble(0));
    }
    JsonNode featureConfig = manifest.path("feature_config");
    List<Double> halfLives = new ArrayList<>();
    featureConfig.path("half_lives_seconds").forEach(h -> halfLives.add(h.asDouble()));

    JsonNode learners = required(manifest, "learners", directory);
    LinearModel lr = linear(readJson(directory, required(learners, "lr", directory).asText()), "lr");
    XGBoostTrees xgboost = XGBoostTrees.fromJson(readJson(directory, required(learners, "xgboost", directory).asText()));
    LinearModel stack = linear(readJson(directory, required(manifest, "stack", directory).asText()), "stack");
    if (lr.size() != features.size() || xgboost.featureCount() != features.size()) {
      throw new InvalidBundleException(directory + ": the manifest lists " + features.size() + " features but lr has "
          + lr.size() + " coefficients and xgboost " + xgboost.featureCount() + " features");
    }
    if (stack.size() != 2) {
      throw new InvalidBundleException(directory + ": the stack must have 2 inputs (logit_lr, logit_xgboost), has "
          + stack.size());
    }
    String scoreOutput = "p_" + manifest.path("score").asText("stack");
    if (!List.of(P_LR, P_XGBOOST, P_STACK).contains(scoreOutput)) {
      throw new InvalidBundleException(directory + ": score '" + manifest.path("score").asText()
          + "' is not one of lr, xgboost, stack");
    }
    JsonNode card = manifest.hasNonNull("card") ? readJson(directory, manifest.get("card").asText())
        : JSON.createObjectNode();
    return new ModelBundle(directory, manifest.path("label").asText(""), List.copyOf(features), transforms,
        manifest.path("missing_value").asDouble(0.0), featureConfig.path("prior_strength").asDouble(20.0),
        List.copyOf(halfLives), lr, xgboost, stack, scoreOutput, card);
  }

  /** Feature names in vector order. */
  public List<String> features() {
    return features;
  }

  /** The learner inputs of one raw row: NaN (a null feature) becomes the missing value, then each transform. */
  public double[] normalize(double[] raw) {
    if (raw.length != features.size()) {
      throw new IllegalArgumentException("expected " + features.size() + " raw features " + features + ", got "
          + raw.length);
    }
    double[] normalized = new double[raw.length];
    for (int i = 0; i < raw.length; i++) {
      normalized[i] = transforms[i].apply(Double.isNaN(raw[i]) ? missingValue : raw[i]);
    }
    return normalized;
  }

  /** The ranking probability (the manifest's {@code score} output, normally the stack) of each raw row. */
  public double[] score(double[][] rawRows) {
    double[] scores = new double[rawRows.length];
    for (int r = 0; r < rawRows.length; r++) {
      double[] outputs = scoreOne(rawRows[r]);
      scores[r] = switch (scoreOutput) {
        case P_LR -> outputs[0];
        case P_XGBOOST -> outputs[1];
        default -> outputs[2];
      };
    }
    return scores;
  }

  /** Every learner's probability of each raw row: {@link #P_LR}, {@link #P_XGBOOST}, {@link #P_STACK}. */
  public Map<String, double[]> scoreAll(double[][] rawRows) {
    double[] pLr = new double[rawRows.length];
    double[] pXgboost = new double[rawRows.length];
    double[] pStack = new double[rawRows.length];
    for (int r = 0; r < rawRows.length; r++) {
      double[] outputs = scoreOne(rawRows[r]);
      pLr[r] = outputs[0];
      pXgboost[r] = outputs[1];
      pStack[r] = outputs[2];
    }
    Map<String, double[]> all = new LinkedHashMap<>();
    all.put(P_LR, pLr);
    all.put(P_XGBOOST, pXgboost);
    all.put(P_STACK, pStack);
    return all;
  }

  private double[] scoreOne(double[] raw) {
    double[] x = normalize(raw);
    double pLr = lr.probability(x);
    double pXgboost = xgboost.probability(x);
    double pStack = stack.probability(new double[] {LinearModel.logit(pLr), LinearModel.logit(pXgboost)});
    return new double[] {pLr, pXgboost, pStack};
  }

  /** The label the models predict, e.g. {@code clicked}. */
  public String label() {
    return label;
  }

  /** The features job's prior strength m of the smoothed rates the features were computed with. */
  public double priorStrength() {
    return priorStrength;
  }

  /** The short, mid and long half-lives (seconds) of the decayed counts, in feature-name order. */
  public List<Double> halfLivesSeconds() {
    return halfLivesSeconds;
  }

  /** The model card (metrics, lineage), as stored. */
  public JsonNode card() {
    return card.deepCopy();
  }

  /** Where the bundle was read from. */
  public Path directory() {
    return directory;
  }

  private static LinearModel linear(JsonNode model, String name) {
    JsonNode coefficients = model.path("coefficients");
    if (!model.path("intercept").isNumber() || !coefficients.isArray()) {
      throw new InvalidBundleException(name + " model needs a numeric 'intercept' and a 'coefficients' array");
    }
    double[] weights = new double[coefficients.size()];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = coefficients.get(i).asDouble();
    }
    return new LinearModel(model.get("intercept").asDouble(), weights);
  }

  private static JsonNode required(JsonNode node, String field, Path directory) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new InvalidBundleException(directory + "/manifest.json has no '" + field + "'");
    }
    return value;
  }

  private static JsonNode readJson(Path directory, String file) {
    Path path = directory.resolve(file);
    try {
      return JSON.readTree(Files.readAllBytes(path));
    } catch (IOException e) {
      throw new InvalidBundleException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }
}
