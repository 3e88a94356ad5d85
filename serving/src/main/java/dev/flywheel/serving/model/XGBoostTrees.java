package dev.flywheel.serving.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A gradient-boosted tree ensemble, binary:logistic or rank:pairwise, read from XGBoost's own JSON model
 * format and evaluated by walking the trees in plain Java: no native library, no DMatrix per call. XGBoost
 * works in float32 (feature values, split thresholds, leaf sums, the sigmoid), and so does this walk, which
 * is what makes its probabilities equal XGBoost's own to float precision. A ranker's output is its
 * {@link #margin}, a score.
 */
public final class XGBoostTrees {
  private final Tree[] trees;
  private final float baseMargin;
  private final int featureCount;

  private XGBoostTrees(Tree[] trees, float baseMargin, int featureCount) {
    this.trees = trees;
    this.baseMargin = baseMargin;
    this.featureCount = featureCount;
  }

  /** Reads a model saved by {@code Booster.saveModel("model.json")}. */
  public static XGBoostTrees fromJson(JsonNode model) {
    JsonNode learner = require(model, "learner");
    String objective = require(require(learner, "objective"), "name").asText();
    if (!objective.equals("binary:logistic") && !objective.equals("rank:pairwise")) {
      throw new InvalidBundleException("XGBoost objective is " + objective
          + "; bundles hold binary:logistic and rank:pairwise models");
    }
    JsonNode booster = require(learner, "gradient_booster");
    if (!require(booster, "name").asText().equals("gbtree")) {
      throw new InvalidBundleException("XGBoost booster is " + booster.path("name").asText() + "; only gbtree is supported");
    }
    JsonNode params = require(learner, "learner_model_param");
    float baseScore = Float.parseFloat(require(params, "base_score").asText().replace("[", "").replace("]", ""));
    int featureCount = Integer.parseInt(require(params, "num_feature").asText());
    List<Tree> trees = new ArrayList<>();
    for (JsonNode tree : require(require(booster, "model"), "trees")) {
      trees.add(Tree.fromJson(tree, trees.size()));
    }
    // binary:logistic stores base_score as a probability, the trees add to its logit; a ranker's is a margin.
    float baseMargin = objective.equals("binary:logistic") ? (float) -Math.log(1.0 / baseScore - 1.0) : baseScore;
    return new XGBoostTrees(trees.toArray(Tree[]::new), baseMargin, featureCount);
  }

  /** The ensemble's probability for one feature vector (NaN = missing, which takes each split's default). */
  public double probability(double[] features) {
    return probability(features, new float[featureCount]);
  }

  /** {@link #probability(double[])} with {@code values} (one per feature) as the working array. */
  double probability(double[] features, float[] values) {
    float margin = margin(features, values);
    return 1.0f / (1.0f + (float) Math.exp(-margin));
  }

  /** The sum of the trees' leaves and the base margin, with {@code values} as the working array. */
  float margin(double[] features, float[] values) {
    if (features.length != featureCount || values.length != featureCount) {
      throw new IllegalArgumentException("the XGBoost model expects " + featureCount + " features, got " + features.length);
    }
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) features[i];
    }
    float margin = 0f;
    for (Tree tree : trees) {
      margin += tree.leafValue(values);
    }
    return margin + baseMargin;
  }

  /** The number of features the model was trained on. */
  public int featureCount() {
    return featureCount;
  }

  /** The number of trees. */
  public int size() {
    return trees.length;
  }

  private static JsonNode require(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new InvalidBundleException("XGBoost JSON model has no '" + field + "'");
    }
    return value;
  }

  /** One tree in XGBoost's array layout; a node is a leaf when its left child is -1, and then its split condition is the leaf value. */
  private record Tree(int[] left, int[] right, int[] feature, float[] threshold, boolean[] defaultLeft) {
    static Tree fromJson(JsonNode tree, int index) {
      int[] left = ints(require(tree, "left_children"));
      int[] right = ints(require(tree, "right_children"));
      int[] feature = ints(require(tree, "split_indices"));
      JsonNode conditions = require(tree, "split_conditions");
      float[] threshold = new float[conditions.size()];
      for (int i = 0; i < threshold.length; i++) {
        threshold[i] = (float) conditions.get(i).asDouble();
      }
      JsonNode defaults = require(tree, "default_left");
      boolean[] defaultLeft = new boolean[defaults.size()];
      for (int i = 0; i < defaultLeft.length; i++) {
        defaultLeft[i] = defaults.get(i).isBoolean() ? defaults.get(i).asBoolean() : defaults.get(i).asInt() != 0;
      }
      JsonNode splitTypes = tree.path("split_type");
      for (JsonNode type : splitTypes) {
        if (type.asInt() != 0) {
          throw new InvalidBundleException("XGBoost tree " + index + " has a categorical split; bundles support numeric splits only");
        }
      }
      int n = left.length;
      if (right.length != n || feature.length != n || threshold.length != n || defaultLeft.length != n) {
        throw new InvalidBundleException("XGBoost tree " + index + " has node arrays of different lengths");
      }
      return new Tree(left, right, feature, threshold, defaultLeft);
    }

    float leafValue(float[] values) {
      int node = 0;
      while (left[node] != -1) {
        float value = values[feature[node]];
        if (Float.isNaN(value)) {
          node = defaultLeft[node] ? left[node] : right[node];
        } else {
          node = value < threshold[node] ? left[node] : right[node];
        }
      }
      return threshold[node];
    }

    private static int[] ints(JsonNode array) {
      int[] out = new int[array.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = array.get(i).asInt();
      }
      return out;
    }
  }
}
