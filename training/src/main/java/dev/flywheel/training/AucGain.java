package dev.flywheel.training;

import static org.apache.spark.sql.functions.col;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * How much one score's AUC exceeds another's on the same labelled examples, with a paired bootstrap
 * interval: the examples are resampled with replacement and both AUCs are recomputed on each resample.
 * Two models' AUCs on one holdout of ten thousand examples each carry a standard error of a few
 * thousandths, so a gain of that size needs its interval before it means anything. Immutable.
 *
 * @param gain AUC of the score minus AUC of the baseline, on the examples as they are
 * @param lower 2.5th percentile of the resampled gains
 * @param upper 97.5th percentile of the resampled gains
 * @param resamples bootstrap resamples behind the interval
 */
public record AucGain(double gain, double lower, double upper, int resamples) {
  /** Resamples of {@link #of(Dataset, String, String)}: enough for a stable 95 % interval's ends. */
  public static final int DEFAULT_RESAMPLES = 1000;
  private static final long SEED = 17;

  /**
   * The gain of score column {@code score} over {@code baseline} on {@code scored}'s 0/1 {@code label}, with
   * {@link #DEFAULT_RESAMPLES} resamples; collects the three columns to the driver (a holdout's size).
   */
  public static AucGain of(Dataset<Row> scored, String score, String baseline) {
    List<Row> rows = scored.select(col("label").cast("double"), col(score).cast("double"),
        col(baseline).cast("double")).collectAsList();
    double[] labels = new double[rows.size()];
    double[] scores = new double[rows.size()];
    double[] baselines = new double[rows.size()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = rows.get(i).getDouble(0);
      scores[i] = rows.get(i).getDouble(1);
      baselines[i] = rows.get(i).getDouble(2);
    }
    return of(labels, scores, baselines, DEFAULT_RESAMPLES, SEED);
  }

  /**
   * The gain of {@code score} over {@code baseline} against 0/1 {@code labels}; deterministic for {@code seed}.
   *
   * @throws IllegalArgumentException when the arrays differ in length, a label is not 0 or 1, the labels are all
   *     one class, or {@code resamples} is below 1
   */
  public static AucGain of(double[] labels, double[] score, double[] baseline, int resamples, long seed) {
    if (score.length != labels.length || baseline.length != labels.length) {
      throw new IllegalArgumentException("labels, score and baseline differ in length: " + labels.length + ", "
          + score.length + ", " + baseline.length);
    }
    if (resamples < 1) {
      throw new IllegalArgumentException("resamples must be >= 1, was " + resamples);
    }
    long positives = Arrays.stream(labels).filter(label -> label == 1).count();
    long negatives = Arrays.stream(labels).filter(label -> label == 0).count();
    if (positives + negatives != labels.length) {
      throw new IllegalArgumentException("every label must be 0 or 1");
    }
    if (positives == 0 || negatives == 0) {
      throw new IllegalArgumentException("AUC needs both classes; got " + positives + " positive and " + negatives
          + " negative examples");
    }
    RankedScore ranked = new RankedScore(score);
    RankedScore rankedBaseline = new RankedScore(baseline);
    double[] once = new double[labels.length];
    Arrays.fill(once, 1);
    double gain = ranked.auc(labels, once) - rankedBaseline.auc(labels, once);
    Random random = new Random(seed);
    double[] gains = new double[resamples];
    double[] counts = new double[labels.length];
    for (int r = 0; r < resamples; r++) {
      Arrays.fill(counts, 0);
      for (int i = 0; i < labels.length; i++) {
        counts[random.nextInt(labels.length)]++;
      }
      double scoreAuc = ranked.auc(labels, counts);
      double baselineAuc = rankedBaseline.auc(labels, counts);
      // A resample can miss one class entirely (only on a tiny input): that resample says nothing.
      gains[r] = Double.isNaN(scoreAuc) || Double.isNaN(baselineAuc) ? gain : scoreAuc - baselineAuc;
    }
    Arrays.sort(gains);
    return new AucGain(gain, gains[(int) Math.floor(0.025 * (resamples - 1))],
        gains[(int) Math.ceil(0.975 * (resamples - 1))], resamples);
  }

  /** True when the whole interval is above zero: the score is better beyond the holdout's noise. */
  public boolean significant() {
    return lower > 0;
  }

  /**
   * One score's examples in ascending order, sorted once, so each resample's AUC is one pass: a weighted
   * Mann-Whitney count, ties counted half.
   */
  private static final class RankedScore {
    private final int[] order;
    private final double[] score;

    RankedScore(double[] score) {
      this.score = score;
      this.order = IntStream.range(0, score.length).boxed()
          .sorted((a, b) -> Double.compare(score[a], score[b])).mapToInt(Integer::intValue).toArray();
    }

    /** AUC with each example counted {@code weights[i]} times; NaN when the weights leave a class empty. */
    double auc(double[] labels, double[] weights) {
      double negativesBelow = 0;
      double pairs = 0;
      double positives = 0;
      int i = 0;
      while (i < order.length) {
        double tiedPositives = 0;
        double tiedNegatives = 0;
        int j = i;
        while (j < order.length && score[order[j]] == score[order[i]]) {
          int example = order[j];
          if (labels[example] == 1) {
            tiedPositives += weights[example];
          } else {
            tiedNegatives += weights[example];
          }
          j++;
        }
        pairs += tiedPositives * (negativesBelow + 0.5 * tiedNegatives);
        positives += tiedPositives;
        negativesBelow += tiedNegatives;
        i = j;
      }
      return positives == 0 || negativesBelow == 0 ? Double.NaN : pairs / (positives * negativesBelow);
    }
  }
}
