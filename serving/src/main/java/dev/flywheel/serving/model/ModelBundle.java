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
 * with its normalization statistics, the base learners (logistic regression, XGBoost and, in versions
 * trained since it exists, a factorization machine over the features and the hashed user and item ids)
 * and the stack over their logits. Scores without Spark exactly as training did. Immutable and
 * thread-safe.
 *
 * <p>Layout of the bundle folder: {@code manifest.json} names the features in vector order, their
 * transforms, the value a missing feature takes before its transform, the feature job's settings the
 * features were computed with, the ids' hash bucket count ({@code hash_buckets}, with fm), and the files
 * of the learners ({@code lr.json}, {@code xgboost.json}, {@code fm.json}, {@code ranker.json},
 * {@code stack.json}) and the model card. The stack's inputs are the base learners' logits in that order
 * (the ranker's: its margin).
 */
public final class ModelBundle {
  /** The format this reader understands. */
  public static final String FORMAT = "flywheel-bundle/1";
  /** Output names of {@link #scoreAll}. */
  public static final String P_LR = "p_lr";
  public static final String P_XGBOOST = "p_xgboost";
  public static final String P_FM = "p_fm";
  public static final String P_RANKER = "p_ranker";
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
  private final FactorizationMachine fm;
  private final XGBoostTrees ranker;
  private final long hashBuckets;
  private final LinearModel stack;
  private final List<String> outputs;
  private final int scoreOutput;
  private final JsonNode card;

  private ModelBundle(Path directory, String label, List<String> features, FeatureTransform[] transforms,
      double missingValue, double priorStrength, List<Double> halfLivesSeconds, LinearModel lr, XGBoostTrees xgboost,
      FactorizationMachine fm, XGBoostTrees ranker, long hashBuckets, LinearModel stack, List<String> outputs,
      int scoreOutput, JsonNode card) {
    this.directory = directory;
    this.label = label;
    this.features = features;
    this.transforms = transforms;
    this.missingValue = missingValue;
    this.priorStrength = priorStrength;
    this.halfLivesSeconds = halfLivesSeconds;
    this.lr = lr;
    this.xgboost = xgboost;
    this.fm = fm;
    this.ranker = ranker;
    this.hashBuckets = hashBuckets;
    this.stack = stack;
    this.outputs = outputs;
    this.scoreOutput = scoreOutput;
    this.card = card;
  }

  /**
   * Reads the bundle in {@code directory}.
   *
   * @throws InvalidBundleException when a file is missing or unreadable, the format is not {@link #FORMAT},
   *     the learners do not agree with the manifest's feature list, or the stack's inputs are not the
   *     base learners' logits
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
    FactorizationMachine fm = learners.hasNonNull("fm")
        ? FactorizationMachine.fromJson(readJson(directory, learners.get("fm").asText())) : null;
    XGBoostTrees ranker = learners.hasNonNull("ranker")
        ? XGBoostTrees.fromJson(readJson(directory, learners.get("ranker").asText())) : null;
    long hashBuckets = fm == null ? 0 : required(manifest, "hash_buckets", directory).asLong();
    if (fm != null && hashBuckets <= 0) {
      throw new InvalidBundleException(directory + ": hash_buckets must be a positive count, is "
          + manifest.get("hash_buckets"));
    }
    JsonNode stackJson = readJson(directory, required(manifest, "stack", directory).asText());
    LinearModel stack = linear(stackJson, "stack");
    if (lr.size() != features.size() || xgboost.featureCount() != features.size()
        || (fm != null && fm.featureCount() != features.size())
        || (ranker != null && ranker.featureCount() != features.size())) {
      throw new InvalidBundleException(directory + ": the manifest lists " + features.size() + " features but lr has "
          + lr.size() + " coefficients, xgboost " + xgboost.featureCount() + " features"
          + (fm == null ? "" : ", fm " + fm.featureCount() + " features")
          + (ranker == null ? "" : ", ranker " + ranker.featureCount() + " features"));
    }
    List<String> bases = new ArrayList<>(List.of("lr", "xgboost"));
    if (fm != null) {
      bases.add("fm");
    }
    if (ranker != null) {
      bases.add("ranker");
    }
    List<String> stackInputs = bases.stream().map(name -> "logit_" + name).toList();
    List<String> storedInputs = new ArrayList<>();
    stackJson.path("inputs").forEach(input -> storedInputs.add(input.asText()));
    if (stack.size() != bases.size() || (stackJson.has("inputs") && !storedInputs.equals(stackInputs))) {
      throw new InvalidBundleException(directory + ": the stack must have the inputs " + stackInputs + ", has "
          + stack.size() + " coefficients and the inputs " + storedInputs);
    }
    List<String> outputs = new ArrayList<>(bases.stream().map(name -> "p_" + name).toList());
    outputs.add(P_STACK);
    int scoreOutput = outputs.indexOf("p_" + manifest.path("score").asText("stack"));
    if (scoreOutput < 0) {
      throw new InvalidBundleException(directory + ": score '" + manifest.path("score").asText()
          + "' is not one of " + outputs.stream().map(output -> output.substring(2)).toList());
    }
    JsonNode card = manifest.hasNonNull("card") ? readJson(directory, manifest.get("card").asText())
        : JSON.createObjectNode();
    return new ModelBundle(directory, manifest.path("label").asText(""), List.copyOf(features), transforms,
        manifest.path("missing_value").asDouble(0.0), featureConfig.path("prior_strength").asDouble(20.0),
        List.copyOf(halfLives), lr, xgboost, fm, ranker, hashBuckets, stack, List.copyOf(outputs), scoreOutput, card);
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
    normalizeInto(raw, null, normalized);
    return normalized;
  }

  /**
   * Normalizes {@code raw} into {@code normalized}, which holds the inputs of {@code previous} (null for
   * none): a value equal to the previous row's keeps its input, so what the candidates of a request share
   * (the user's features, the context) is transformed once.
   */
  private void normalizeInto(double[] raw, double[] previous, double[] normalized) {
    for (int i = 0; i < raw.length; i++) {
      if (previous == null || Double.doubleToRawLongBits(raw[i]) != Double.doubleToRawLongBits(previous[i])) {
        normalized[i] = transforms[i].apply(Double.isNaN(raw[i]) ? missingValue : raw[i]);
      }
    }
  }

  /** The ranking probability (the manifest's {@code score} output, normally the stack) of each candidate. */
  public double[] score(Candidates candidates) {
    double[] scores = new double[candidates.size()];
    Scoring scoring = new Scoring(candidates);
    for (int r = 0; r < scores.length; r++) {
      scores[r] = scoring.outputsOf(r)[scoreOutput];
    }
    return scores;
  }

  /**
   * Every output's probability of each candidate, in {@link #outputs()} order: {@link #P_LR},
   * {@link #P_XGBOOST}, {@link #P_FM} (bundles with fm), {@link #P_RANKER} (bundles with a ranker),
   * {@link #P_STACK}.
   */
  public Map<String, double[]> scoreAll(Candidates candidates) {
    double[][] byOutput = new double[outputs.size()][candidates.size()];
    Scoring scoring = new Scoring(candidates);
    for (int r = 0; r < candidates.size(); r++) {
      double[] row = scoring.outputsOf(r);
      for (int o = 0; o < row.length; o++) {
        byOutput[o][r] = row[o];
      }
    }
    Map<String, double[]> all = new LinkedHashMap<>();
    for (int o = 0; o < outputs.size(); o++) {
      all.put(outputs.get(o), byOutput[o]);
    }
    return all;
  }

  /** The outputs {@link #scoreAll} gives: each base learner's probability, then the stack's. */
  public List<String> outputs() {
    return outputs;
  }

  /**
   * The scoring of one request's candidates in turn, with one set of working arrays for all of them (a
   * request's garbage is then its rows, not a few arrays per candidate). Not thread-safe: one per call.
   */
  private final class Scoring {
    private final Candidates candidates;
    private final long userBucket;
    private final double[] inputs = new double[features.size()];
    private final float[] treeInputs = new float[features.size()];
    private final double[] probabilities = new double[outputs.size()];
    private final double[] logits = new double[outputs.size() - 1];
    private double[] previousRaw;

    Scoring(Candidates candidates) {
      this.candidates = candidates;
      this.userBucket = fm == null ? 0 : IdBuckets.bucket(candidates.userId(), hashBuckets);
    }

    /**
     * The outputs of candidate {@code r}: base learners' probabilities, then the stack's over their
     * logits; valid until the next call.
     */
    double[] outputsOf(int r) {
      double[] raw = candidates.rawRows()[r];
      if (raw.length != features.size()) {
        throw new IllegalArgumentException("expected " + features.size() + " raw features " + features + ", got "
            + raw.length);
      }
      normalizeInto(raw, previousRaw, inputs);
      previousRaw = raw;
      probabilities[0] = lr.probability(inputs);
      probabilities[1] = xgboost.probability(inputs, treeInputs);
      if (fm != null) {
        probabilities[2] = fm.probability(inputs, userBucket,
            IdBuckets.bucket(candidates.itemIds().get(r), hashBuckets));
      }
      if (ranker != null) {
        // In double, as the trainer computes it from XGBoost's margin: the stack reads the margin back as a logit.
        probabilities[logits.length - 1] = 1.0 / (1.0 + Math.exp(-ranker.margin(inputs, treeInputs)));
      }
      for (int b = 0; b < logits.length; b++) {
        logits[b] = LinearModel.logit(probabilities[b]);
      }
      probabilities[logits.length] = stack.probability(logits);
      return probabilities;
    }
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
