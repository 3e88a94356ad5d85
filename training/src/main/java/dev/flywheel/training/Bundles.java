package dev.flywheel.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.lakehouse.LakehouseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import org.apache.spark.ml.PipelineModel;
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
  static final String FM = "fm.json";
  static final String RANKER = "ranker.json";
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
    BaseLearners base = learners.base();
    Json.writeAtomically(bundle.resolve(LR), Map.of("intercept", base.lr().intercept(),
        "coefficients", base.lr().coefficients().toArray()));
    saveBooster(base.xgboost(), bundle.resolve(XGBOOST));
    Map<String, String> files = new LinkedHashMap<>(Map.of(Trainer.LR, LR, Trainer.XGBOOST, XGBOOST));
    base.fm().ifPresent(fm -> {
      Json.writeAtomically(bundle.resolve(FM), Fm.asBundle(fm));
      files.put(Trainer.FM, FM);
    });
    base.ranker().ifPresent(ranker -> {
      saveBooster(ranker, bundle.resolve(RANKER));
      files.put(Trainer.RANKER, RANKER);
    });
    Json.writeAtomically(bundle.resolve(STACK), Map.of("intercept", learners.stack().intercept(),
        "coefficients", learners.stack().coefficients().toArray(), "inputs", base.stackInputs()));
    Json.writeAtomically(bundle.resolve(CARD), card);
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("format", FORMAT);
    manifest.put("label", label);
    manifest.put("features", Trainer.featureColumns());
    manifest.put("normalization", normalization.asManifest());
    manifest.put("missing_value", Normalization.MISSING_VALUE);
    manifest.put("feature_config", featureConfig.asManifest());
    manifest.put("hash_buckets", featureConfig.hashBuckets());
    manifest.put("learners", files);
    manifest.put("stack", STACK);
    manifest.put("score", "stack");
    manifest.put("card", CARD);
    Json.writeAtomically(bundle.resolve(MANIFEST), manifest);
  }

  private static void saveBooster(Booster booster, Path file) {
    try {
      booster.saveModel(file.toString());
    } catch (XGBoostError e) {
      throw new LakehouseException("Cannot save the XGBoost booster to " + file + ": " + e.getMessage(), e);
    }
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

  /**
   * The feature config a version's bundle records, to retrain it as it was trained; {@link
   * BundleFeatureConfig#DEFAULT}'s values for what a bundle from before that field lacks.
   */
  static BundleFeatureConfig featureConfig(Path bundle) {
    JsonNode manifest = Json.read(requireManifest(bundle));
    JsonNode config = manifest.path("feature_config");
    BundleFeatureConfig defaults = BundleFeatureConfig.DEFAULT;
    List<Long> halfLives = config.has("half_lives_seconds") ? Json.MAPPER.convertValue(config.get("half_lives_seconds"),
        Json.MAPPER.getTypeFactory().constructCollectionType(List.class, Long.class)) : defaults.halfLivesSeconds();
    return new BundleFeatureConfig(config.path("prior_strength").asDouble(defaults.priorStrength()), halfLives,
        manifest.path("hash_buckets").asLong(defaults.hashBuckets()));
  }

  /** The version's XGBoost booster. */
  static Booster booster(Path bundle) {
    requireManifest(bundle);
    return loadBooster(bundle.resolve(XGBOOST));
  }

  /** The version's pairwise ranker; empty for versions trained before it. */
  static Optional<Booster> ranker(Path bundle) {
    requireManifest(bundle);
    Path file = bundle.resolve(RANKER);
    return Files.isRegularFile(file) ? Optional.of(loadBooster(file)) : Optional.empty();
  }

  private static Booster loadBooster(Path file) {
    try {
      return XGBoost.loadModel(file.toString());
    } catch (XGBoostError e) {
      throw new LakehouseException("Cannot load " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The models of a version: LR, FM (versions trained before FM have none) and stack from their Spark
   * folders, XGBoost and the ranker (none before it was a learner) from the bundle.
   */
  static Learners learners(String artifactLocation) {
    BaseLearners base = new BaseLearners(LogisticRegressionModel.load(Trainer.sparkPath(artifactLocation, Trainer.LR)),
        booster(of(artifactLocation)), fm(artifactLocation), ranker(of(artifactLocation)));
    return new Learners(base, LogisticRegressionModel.load(Trainer.sparkPath(artifactLocation, Trainer.STACK)));
  }

  /** A version's FM pipeline; empty for versions trained before FM. */
  static Optional<PipelineModel> fm(String artifactLocation) {
    String fm = Trainer.sparkPath(artifactLocation, Trainer.FM);
    return Files.isDirectory(Path.of(fm)) ? Optional.of(PipelineModel.load(fm)) : Optional.empty();
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
