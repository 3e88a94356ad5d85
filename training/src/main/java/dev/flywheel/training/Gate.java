package dev.flywheel.training;

import java.util.Map;
import java.util.Optional;

/**
 * The promotion gate: a candidate replaces the champion only if, on the same holdout, its AUC is at
 * most epsilon below and its log loss at most delta above the champion's, and its predictions are
 * sane (no NaN metric, mean prediction within 0.1 of the label rate).
 */
public final class Gate {
  /** Largest allowed gap between the mean prediction and the label rate. */
  public static final double MAX_MEAN_GAP = 0.1;

  private Gate() {}

  /** The decision and its reason, naming the compared values. */
  public record Decision(boolean promote, String reason) {
    /** promote or reject, as stored. */
    public String stored() {
      return promote ? "promote" : "reject";
    }
  }

  /** Decides on holdout metrics (keys of {@link Metrics#of}); an empty champion means the first model. */
  public static Decision decide(Map<String, Double> candidate, Optional<Map<String, Double>> champion,
      double aucEpsilon, double logLossDelta) {
    for (var metric : candidate.entrySet()) {
      if (Double.isNaN(metric.getValue()) && !metric.getKey().equals("ndcg_at_10") && !metric.getKey().equals("mrr")) {
        return new Decision(false, "sanity: " + metric.getKey() + " is NaN");
      }
    }
    double gap = Math.abs(candidate.get("mean_prediction") - candidate.get("label_rate"));
    if (gap > MAX_MEAN_GAP) {
      return new Decision(false, String.format("sanity: mean prediction %.4f is %.4f from the label rate %.4f (max %.1f)",
          candidate.get("mean_prediction"), gap, candidate.get("label_rate"), MAX_MEAN_GAP));
    }
    if (champion.isEmpty()) {
      return new Decision(true, String.format("first model: auc %.4f, log loss %.4f",
          candidate.get("auc"), candidate.get("log_loss")));
    }
    double auc = candidate.get("auc");
    double championAuc = champion.get().get("auc");
    double logLoss = candidate.get("log_loss");
    double championLogLoss = champion.get().get("log_loss");
    if (auc < championAuc - aucEpsilon) {
      return new Decision(false, String.format("auc %.4f is below the champion's %.4f by more than %.4f",
          auc, championAuc, aucEpsilon));
    }
    if (logLoss > championLogLoss + logLossDelta) {
      return new Decision(false, String.format("log loss %.4f is above the champion's %.4f by more than %.4f",
          logLoss, championLogLoss, logLossDelta));
    }
    return new Decision(true, String.format("auc %.4f vs champion %.4f, log loss %.4f vs %.4f",
        auc, championAuc, logLoss, championLogLoss));
  }
}
