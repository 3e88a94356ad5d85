package dev.flywheel.training;

import java.util.Locale;

/** Life cycle of a registered model version; stored lower-case in ml.model_versions.status. */
public enum ModelStatus {
  /** Registered, passed the gate, not (yet) champion. */
  CANDIDATE,
  /** The one version serving traffic. */
  CHAMPION,
  /** A former champion, replaced by a promotion or a rollback. */
  ARCHIVED,
  /** Failed the gate (or was rolled back); never promoted automatically. */
  REJECTED;

  /** The stored name. */
  public String stored() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a stored name. */
  public static ModelStatus fromStored(String stored) {
    return valueOf(stored.toUpperCase(Locale.ROOT));
  }
}
