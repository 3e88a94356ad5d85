package dev.flywheel.app;

/** Turns an exception into the one line an operator reads. */
final class Failures {
  private Failures() {}

  /**
   * The first line of the most specific message: Spark wraps causes and appends query plans to
   * analysis errors, neither of which helps the operator on the first read.
   */
  static String oneLine(Throwable error) {
    Throwable shown = error;
    while (shown.getMessage() == null && shown.getCause() != null) {
      shown = shown.getCause();
    }
    String message = shown.getMessage() == null ? shown.getClass().getSimpleName() : shown.getMessage();
    String firstLine = message.strip().lines().findFirst().orElse(message);
    return firstLine.endsWith(";") ? firstLine.substring(0, firstLine.length() - 1) : firstLine;
  }
}
