package dev.flywheel.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.lakehouse.LakehouseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import org.apache.spark.ml.classification.LogisticRegressionModel;

/**
 * The serving bundle of a version, {@code <artifact_location>/bundle/}, in the format
 * {@code flywheel-bundle/1} (HELPER-BRIEF "Model bundle"): what the Spark-free server loads.
 */
final class Bundles {
  static final String FORMAT = "flywheel-bundle/1";
  static final String MANIFEST = "manifest.json";
  static final String LR = "lr.json";
  static final String XGBOOST = "xgboost.json";
  static final String STACK = "stack.json";
  static final String CARD = "model-card.json";

  private Bundles() {}

  /** The bundle folder of a version's artifact location. */
  static Path of(String artifactLocation) {
    return Path.of(artifactLocation, "bundle");
  }

  /** Writes the bundle; the manifest last, so a folder with a manifest is complete. */
  static void write(Path bundle, String label, Normalization normalization, BundleFeatureConfig featureConfig,
      Learners learners, Map<String, Object> card) {
    Json.writeAtomically(bundle.resolve(LR), Map.of("intercept", learners.lr().intercept(),
        "coefficients", learners.lr().coefficients().toArray()));
    try {
      learners.xgboost().saveModel(bundle.resolve(XGBOOST).toString());
    } catch (XGBoostError e) {
      throw new LakehouseException("Cannot save the XGBoost booster to " + bundle.resolve(XGBOOST) + ": "
          + e.getMessage(), e);
    }
    Json.writeAtomically(bundle.resolve(STACK), Map.of("intercept", learners.stack().intercept(),
        "coefficients", learners.stack().coefficients().toArray(), "inputs", List.of("logit_lr", "logit_xgboost")));
    Json.writeAtomically(bundle.resolve(CARD), card);
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("format", FORMAT);
    manifest.put("label", label);
    manifest.put("features", Trainer.featureColumns());
    manifest.put("normalization", normalization.asManifest());
    manifest.put("missing_value", Normalization.MISSING_VALUE);
    manifest.put("feature_config", featureConfig.asManifest());
    manifest.put("learners", Map.of("lr", LR, "xgboost", XGBOOST));
    manifest.put("stack", STACK);
    manifest.put("score", "stack");
    manifest.put("card", CARD);
    Json.writeAtomically(bundle.resolve(MANIFEST), manifest);
  }

  /**
   * The normalization a version was trained with.
   *
   * @throws LakehouseException when the bundle has no manifest or its features are not this trainer's
   */
  static Normalization normalization(Path bundle) {
    JsonNode manifest = Json.read(requireManifest(bundle));
    List<String> features = Json.MAPPER.convertValue(manifest.path("features"),
        Json.MAPPER.getTypeFactory().constructCollectionType(List.class, String.class));
    if (!features.equals(Trainer.featureColumns())) {
      throw new LakehouseException("The bundle " + bundle + " has features " + features + ", not this trainer's "
          + Trainer.featureColumns() + "; train with --full");
    }
    return Normalization.fromManifest(manifest.path("normalization"));
  }

  /** The version's XGBoost booster. */
  static Booster booster(Path bundle) {
    requireManifest(bundle);
    try {
      return XGBoost.loadModel(bundle.resolve(XGBOOST).toString());
    } catch (XGBoostError e) {
      throw new LakehouseException("Cannot load " + bundle.resolve(XGBOOST) + ": " + e.getMessage(), e);
    }
  }

  /** The three models of a version: LR and stack from their Spark folders, XGBoost from the bundle. */
  static Learners learners(String artifactLocation) {
    return new Learners(LogisticRegressionModel.load(Trainer.sparkPath(artifactLocation, Trainer.LR)),
        booster(of(artifactLocation)), LogisticRegressionModel.load(Trainer.sparkPath(artifactLocation, Trainer.STACK)));
  }

  private static Path requireManifest(Path bundle) {
    Path manifest = bundle.resolve(MANIFEST);
    if (!Files.isRegularFile(manifest)) {
      throw new LakehouseException("No bundle at " + bundle + " (" + MANIFEST + " missing): the version predates"
          + " bundles or its export failed; promote a version trained since, or train with --full");
    }
    return manifest;
  }
}
