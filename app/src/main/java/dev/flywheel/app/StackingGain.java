package dev.flywheel.app;

import dev.flywheel.training.AucGain;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The stacking target as the training benchmark reports it: the stack's AUC over its best base learner
 * on the same examples, with the paired bootstrap interval that says whether the gain is more than the
 * holdout's noise.
 */
final class StackingGain {
  private static final List<String> BASE_LEARNERS = List.of("lr", "xgboost", "fm", "ranker");

  private StackingGain() {}

  /**
   * On examples scored by {@code Trainer.score}: the best base learner by {@code auc} (the AUCs the benchmark
   * already reports for these examples, by learner name), the stack's exact AUC gain over it and the gain's 95 %
   * interval.
   */
  static Map<String, Object> of(Dataset<Row> scored, Function<String, Double> auc) {
    List<String> columns = Arrays.asList(scored.columns());
    String best = BASE_LEARNERS.stream().filter(learner -> columns.contains("p_" + learner))
        .max(Comparator.comparingDouble(auc::apply)).orElseThrow();
    AucGain gain = AucGain.of(scored, "p_stack", "p_" + best);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("over", best);
    json.put("gain", gain.gain());
    json.put("ci95", List.of(gain.lower(), gain.upper()));
    json.put("resamples", gain.resamples());
    json.put("significant", gain.significant());
    return json;
  }

  /** One line of {@link #of}'s result, e.g. "+0.0019 over lr (95 % interval -0.0004..+0.0042)". */
  @SuppressWarnings("unchecked")
  static String describe(Map<String, Object> gain) {
    List<Double> interval = (List<Double>) gain.get("ci95");
    return String.format(Locale.ROOT, "%+.4f over %s (95 %% interval %+.4f..%+.4f)", (Double) gain.get("gain"),
        gain.get("over"), interval.get(0), interval.get(1));
  }
}
