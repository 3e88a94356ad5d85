package dev.flywheel.training;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One row of ml.model_versions (see {@code Tables.MODEL_VERSIONS} for the meaning of each field).
 * Nullable fields are null when unknown: a first model has no parent.
 */
public record ModelVersion(
    long version,
    Long parentVersion,
    Instant createdAt,
    String codeVersion,
    String label,
    Instant trainFrom,
    Instant trainTo,
    Map<String, Long> inputVersions,
    Map<String, String> params,
    Map<String, Double> metrics,
    Map<String, Boolean> warmStart,
    ModelStatus status,
    String gateDecision,
    String gateReason,
    String artifactLocation,
    Instant promotedAt) {

  public ModelVersion {
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(status, "status");
    inputVersions = Map.copyOf(inputVersions);
    params = Map.copyOf(params);
    metrics = Map.copyOf(metrics);
    warmStart = Map.copyOf(warmStart);
  }

  /** A copy registered under another version number (the registry assigns it). */
  public ModelVersion withVersion(long newVersion) {
    return new ModelVersion(newVersion, parentVersion, createdAt, codeVersion, label, trainFrom, trainTo,
        inputVersions, params, metrics, warmStart, status, gateDecision, gateReason, artifactLocation, promotedAt);
  }

  /** A copy with another artifact location. */
  public ModelVersion withArtifactLocation(String location) {
    return new ModelVersion(version, parentVersion, createdAt, codeVersion, label, trainFrom, trainTo,
        inputVersions, params, metrics, warmStart, status, gateDecision, gateReason, location, promotedAt);
  }
}
