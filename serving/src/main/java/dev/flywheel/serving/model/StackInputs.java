package dev.flywheel.serving.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The stack's inputs as {@code stack.json} names them, in coefficient order. Each input is a product of
 * factors joined by {@code *}: {@code logit_<learner>} (a base learner's logit) or {@code x_<feature>} (a
 * manifest feature after its transform, the value the base learners see). Plain logits are what every
 * bundle has; a feature, alone or times a logit, lets the stack trust a learner more where, say, the user
 * has a long history (FM's id terms) than for a new one. A bundle whose stack.json lists no inputs stacks
 * the base learners' logits.
 */
final class StackInputs {
  private static final String LOGIT = "logit_";
  private static final String FEATURE = "x_";

  /** Per input, its factors: a base learner's index, or {@code -1 - feature index}. */
  private final int[][] factors;

  private StackInputs(int[][] factors) {
    this.factors = factors;
  }

  /**
   * Parses the stored input names against the bundle's base learners and features.
   *
   * @throws InvalidBundleException when a factor names no base learner or feature, or the plain logits of the
   *     base learners do not come first in their order (what every trainer writes)
   */
  static StackInputs parse(List<String> names, List<String> bases, List<String> features, Path directory) {
    List<String> logits = bases.stream().map(name -> LOGIT + name).toList();
    if (names.size() < logits.size() || !names.subList(0, logits.size()).equals(logits)) {
      throw new InvalidBundleException(directory + ": the stack must have the inputs " + logits + " first, has "
          + names);
    }
    int[][] factors = new int[names.size()][];
    for (int i = 0; i < factors.length; i++) {
      String[] parts = names.get(i).split("\\*", -1);
      factors[i] = new int[parts.length];
      for (int f = 0; f < parts.length; f++) {
        int base = parts[f].startsWith(LOGIT) ? bases.indexOf(parts[f].substring(LOGIT.length())) : -1;
        int feature = parts[f].startsWith(FEATURE) ? features.indexOf(parts[f].substring(FEATURE.length())) : -1;
        if (base < 0 && feature < 0) {
          throw new InvalidBundleException(directory + ": stack input '" + names.get(i) + "' has the factor '"
              + parts[f] + "', which is neither logit_<learner> of " + bases + " nor x_<feature> of the manifest's"
              + " features");
        }
        factors[i][f] = base >= 0 ? base : -1 - feature;
      }
    }
    return new StackInputs(factors);
  }

  /** The number of inputs. */
  int size() {
    return factors.length;
  }

  /** The inputs of one candidate from its base learners' logits and its normalized features. */
  double[] values(double[] logits, double[] normalized) {
    double[] values = new double[factors.length];
    for (int i = 0; i < factors.length; i++) {
      double value = 1;
      for (int factor : factors[i]) {
        value *= factor >= 0 ? logits[factor] : normalized[-1 - factor];
      }
      values[i] = value;
    }
    return values;
  }

  /** The names of plain base logits, the inputs of a bundle whose stack.json lists none. */
  static List<String> logitsOf(List<String> bases) {
    return new ArrayList<>(bases.stream().map(name -> LOGIT + name).toList());
  }
}
