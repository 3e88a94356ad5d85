package dev.flywheel.features;

import dev.flywheel.lakehouse.RunRecord;
import java.sql.Timestamp;
import java.util.Map;

/**
 * What one run of the features job did. Immutable.
 *
 * @param run the ledger record of the run
 * @param feedback feedback events by outcome ({@link FeedbackAttribution} constants; {@code pending_} in
 *     front for feedback re-tried from silver.unattributed_feedback), plus {@code duplicate_clicks} and
 *     {@code late_impressions}
 * @param examples training examples written
 * @param frontier the gold frontier after the run (null before the first impression)
 */
public record FeaturesResult(RunRecord run, Map<String, Long> feedback, long examples, Timestamp frontier) {
  public FeaturesResult {
    feedback = Map.copyOf(feedback);
  }
}
