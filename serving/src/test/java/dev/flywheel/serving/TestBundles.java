package dev.flywheel.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Real bundles for serving's tests: a tiny XGBoost booster trained with XGBoost's Java API, and
 * lr.json, stack.json and manifest.json written by hand; and the pointer files the server watches.
 */
public final class TestBundles {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> ENTITY_FEATURES = List.of("impressions", "clicks", "purchases", "ratings", "ctr",
      "positive_rate", "avg_rating", "avg_dwell", "decayed_impressions_short", "decayed_impressions_mid",
      "decayed_impressions_long", "decayed_clicks_short", "decayed_clicks_mid", "decayed_clicks_long",
      "decayed_positive_rate_short", "decayed_positive_rate_mid", "decayed_positive_rate_long", "decayed_ctr_short",
      "decayed_ctr_mid", "decayed_ctr_long", "last_rating",
      "seconds_since_last");

  private TestBundles() {}

  /** The trainer's feature list (Trainer.featureColumns()): context, global rates, then u_, i_, qi_. */
  public static List<String> allFeatures() {
    List<String> features = new ArrayList<>(List.of("position", "hour_of_day", "g_ctr", "g_positive_rate"));
    for (String prefix : List.of("u_", "i_", "qi_")) {
      ENTITY_FEATURES.forEach(feature -> features.add(prefix + feature));
    }
    return features;
  }

  /**
   * Writes a bundle for {@code features} into {@code dir}: an LR with the given intercept and coefficient
   * {@code (i % 5 - 2) * weight} on feature i, a 3-round XGBoost booster on random data, the stack
   * {@code stackIntercept + stack[0] logit_lr + stack[1] logit_xgboost}, zscore on rates and context, log1p-zscore on the rest.
   */
  public static Path write(Path dir, List<String> features, double lrIntercept, double weight, double stackIntercept,
      double[] stack) {
    try {
      Files.createDirectories(dir);
      trainBooster(features.size()).saveModel(dir.resolve("xgboost.json").toString());
      ObjectNode lr = JSON.createObjectNode().put("intercept", lrIntercept);
      ArrayNode coefficients = lr.putArray("coefficients");
      for (int i = 0; i < features.size(); i++) {
        coefficients.add((i % 5 - 2) * weight);
      }
      JSON.writeValue(dir.resolve("lr.json").toFile(), lr);
      ObjectNode stackModel = JSON.createObjectNode().put("intercept", stackIntercept);
      stackModel.putArray("coefficients").add(stack[0]).add(stack[1]);
      stackModel.putArray("inputs").add("logit_lr").add("logit_xgboost");
      JSON.writeValue(dir.resolve("stack.json").toFile(), stackModel);
      ObjectNode manifest = JSON.createObjectNode().put("format", "flywheel-bundle/1").put("label", "clicked");
      features.forEach(manifest.putArray("features")::add);
      ObjectNode normalization = manifest.putObject("normalization");
      for (String feature : features) {
        boolean rate = feature.endsWith("ctr") || feature.endsWith("rate") || feature.equals("hour_of_day")
            || feature.equals("position");
        normalization.putObject(feature).put("transform", rate ? "zscore" : "log1p_zscore").put("mean", 0.5)
            .put("stddev", 2.0);
      }
      manifest.put("missing_value", 0.0);
      ObjectNode config = manifest.putObject("feature_config").put("prior_strength", 20.0);
      config.putArray("half_lives_seconds").add(3600).add(86400).add(604800);
      manifest.putObject("learners").put("lr", "lr.json").put("xgboost", "xgboost.json");
      manifest.put("stack", "stack.json").put("score", "stack");
      JSON.writeValue(dir.resolve("manifest.json").toFile(), manifest);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (XGBoostError e) {
      throw new IllegalStateException("XGBoost failed: " + e.getMessage(), e);
    }
  }

  private static Booster trainBooster(int features) throws XGBoostError {
    Random random = new Random(features);
    int rows = 200;
    float[] values = new float[rows * features];
    float[] labels = new float[rows];
    for (int r = 0; r < rows; r++) {
      for (int f = 0; f < features; f++) {
        values[r * features + f] = (float) random.nextGaussian();
      }
      labels[r] = values[r * features] + 0.5f * values[r * features + features - 1] > 0 ? 1 : 0;
    }
    DMatrix matrix = new DMatrix(values, rows, features, Float.NaN);
    matrix.setLabel(labels);
    Map<String, Object> params = new HashMap<>(Map.of("objective", "binary:logistic", "max_depth", 3, "eta", 0.5,
        "tree_method", "hist", "seed", 7, "nthread", 1));
    return XGBoost.train(matrix, params, 3, Map.of(), null, null);
  }

  /** Points {@code home}'s models/CHAMPION.json at {@code bundle} as version {@code version}, atomically. */
  public static void promote(Path home, long version, Path bundle) {
    ObjectNode pointer = JSON.createObjectNode().put("model_version", version)
        .put("bundle", bundle.toAbsolutePath().toString()).put("changed_at", Instant.now().toString());
    replace(home.resolve("models").resolve("CHAMPION.json"), pointer);
  }

  /** Points {@code home}'s online/CURRENT.json at {@code snapshot}, atomically. */
  public static void publishSnapshot(Path home, Path snapshot, long goldVersion) {
    ObjectNode pointer = JSON.createObjectNode().put("snapshot", snapshot.toAbsolutePath().toString())
        .put("as_of", "2026-11-20T00:00:00Z").put("gold_version", goldVersion);
    replace(home.resolve("online").resolve("CURRENT.json"), pointer);
  }

  private static void replace(Path file, ObjectNode content) {
    try {
      Files.createDirectories(file.getParent());
      Path temp = Files.createTempFile(file.getParent(), ".pointer", ".tmp");
      JSON.writeValue(temp.toFile(), content);
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
