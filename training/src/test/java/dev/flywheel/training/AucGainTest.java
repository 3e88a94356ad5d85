package dev.flywheel.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class AucGainTest {
  private static final int N = 4000;

  /** AUC by comparing every positive with every negative, ties counted half. */
  private static double pairwiseAuc(double[] labels, double[] score) {
    double pairs = 0;
    long compared = 0;
    for (int p = 0; p < labels.length; p++) {
      for (int n = 0; n < labels.length; n++) {
        if (labels[p] == 1 && labels[n] == 0) {
          pairs += score[p] > score[n] ? 1 : score[p] == score[n] ? 0.5 : 0;
          compared++;
        }
      }
    }
    return pairs / compared;
  }

  private static double[] labels(Random random, double[] signal) {
    double[] labels = new double[signal.length];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = random.nextDouble() < 1 / (1 + Math.exp(-signal[i])) ? 1 : 0;
    }
    return labels;
  }

  private static double[] noisy(Random random, double[] signal, double noise, boolean rounded) {
    double[] score = new double[signal.length];
    for (int i = 0; i < score.length; i++) {
      double value = signal[i] + noise * random.nextGaussian();
      score[i] = rounded ? Math.round(value) : value;
    }
    return score;
  }

  @Test
  void theGainIsTheDifferenceOfTheExactAucsTiesIncluded() {
    Random random = new Random(1);
    double[] signal = random.doubles(800).map(u -> 4 * u - 2).toArray();
    double[] labels = labels(random, signal);
    // Rounded scores tie often: ties must count half, as Spark's ROC does.
    double[] coarse = noisy(random, signal, 0.5, true);
    double[] fine = noisy(random, signal, 2.0, false);

    AucGain gain = AucGain.of(labels, coarse, fine, 200, 3);

    assertEquals(pairwiseAuc(labels, coarse) - pairwiseAuc(labels, fine), gain.gain(), 1e-12);
    assertTrue(gain.lower() <= gain.gain() && gain.gain() <= gain.upper(), gain.toString());
  }

  @Test
  void aClearlyBetterScoreIsSignificantAndALittleNoiseIsNot() {
    Random random = new Random(2);
    double[] signal = random.doubles(N).map(u -> 4 * u - 2).toArray();
    double[] labels = labels(random, signal);
    double[] good = noisy(random, signal, 0.3, false);
    double[] poor = noisy(random, signal, 3.0, false);
    double[] alsoGood = noisy(random, signal, 0.3, false);

    AucGain clear = AucGain.of(labels, good, poor, 500, 5);
    AucGain none = AucGain.of(labels, good, alsoGood, 500, 5);

    assertTrue(clear.significant(), clear.toString());
    assertTrue(none.lower() < 0 && none.upper() > 0, "two scores of the same quality: " + none);
    assertEquals(none, AucGain.of(labels, good, alsoGood, 500, 5), "the same seed gives the same interval");
  }

  @Test
  void aScoreAgainstItselfGainsNothing() {
    Random random = new Random(4);
    double[] signal = random.doubles(500).toArray();
    double[] labels = labels(random, signal);

    assertEquals(new AucGain(0, 0, 0, 100), AucGain.of(labels, signal, signal, 100, 1));
  }

  @Test
  void badInputIsRefusedWithItsReason() {
    double[] two = {0, 1};
    assertTrue(assertThrows(IllegalArgumentException.class, () -> AucGain.of(two, two, new double[] {1}, 10, 1))
        .getMessage().contains("differ in length"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> AucGain.of(new double[] {1, 1}, two, two, 10, 1)).getMessage().contains("needs both classes"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> AucGain.of(new double[] {0, 2}, two, two, 10, 1)).getMessage().contains("0 or 1"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> AucGain.of(two, two, two, 0, 1))
        .getMessage().contains("resamples"));
  }
}
