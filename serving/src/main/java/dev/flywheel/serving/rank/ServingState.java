package dev.flywheel.serving.rank;

import dev.flywheel.serving.model.ModelBundle;
import dev.flywheel.serving.online.FeatureSnapshot;
import dev.flywheel.serving.online.OnlineFeatures;
import java.util.Objects;

/**
 * Everything one ranking request reads, swapped as a whole: the champion bundle with its compiled
 * feature builder and version, and the feature snapshot. A request reads the state once, so its
 * response names one consistent model version. Immutable and thread-safe.
 *
 * @param modelVersion the champion's version, or {@value #RANDOM} without a champion
 * @param champion the champion's pointer, or null without one
 * @param bundle the champion's bundle, or null without one (candidates are then ranked randomly)
 * @param features the bundle's feature builder, or null without a bundle
 * @param snapshot the online feature snapshot ({@link FeatureSnapshot#empty()} before the first)
 */
public record ServingState(String modelVersion, ChampionPointer champion, ModelBundle bundle,
    OnlineFeatures features, FeatureSnapshot snapshot) {
  /** The model version of random rankings (no champion yet), as the simulator's random ranker names it. */
  public static final String RANDOM = "random";

  public ServingState {
    Objects.requireNonNull(modelVersion, "modelVersion");
    Objects.requireNonNull(snapshot, "snapshot");
    if ((bundle == null) != (features == null) || (bundle == null) != (champion == null)) {
      throw new IllegalArgumentException("a champion needs its bundle and feature builder, and only a champion has"
          + " them");
    }
  }

  /** Random ranking with {@code snapshot}. */
  public static ServingState random(FeatureSnapshot snapshot) {
    return new ServingState(RANDOM, null, null, null, snapshot);
  }

  /**
   * The champion of {@code pointer}, loaded: its bundle and the builder of its features.
   *
   * @throws dev.flywheel.serving.model.InvalidBundleException if the bundle cannot be read or names a
   *     feature serving cannot compute
   */
  public static ServingState champion(ChampionPointer pointer, FeatureSnapshot snapshot) {
    ModelBundle bundle = ModelBundle.load(pointer.bundle());
    OnlineFeatures features = OnlineFeatures.compile(bundle.features(), bundle.priorStrength(),
        bundle.halfLivesSeconds().stream().mapToDouble(Double::doubleValue).toArray());
    return new ServingState(pointer.modelVersion(), pointer, bundle, features, snapshot);
  }

  /** This state with {@code newSnapshot} (this very state when the snapshot is the same). */
  public ServingState withSnapshot(FeatureSnapshot newSnapshot) {
    return newSnapshot == snapshot ? this : new ServingState(modelVersion, champion, bundle, features, newSnapshot);
  }
}
