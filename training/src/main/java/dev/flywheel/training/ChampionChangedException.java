package dev.flywheel.training;

import dev.flywheel.lakehouse.LakehouseException;
import java.util.OptionalLong;

/** A promotion lost a race: the champion is no longer the one the caller read. */
public final class ChampionChangedException extends LakehouseException {
  public ChampionChangedException(long version, OptionalLong actual, OptionalLong expected) {
    super("Cannot promote v" + version + ": champion is " + name(actual) + ", expected " + name(expected)
        + "; re-read the registry and retry");
  }

  private static String name(OptionalLong version) {
    return version.isPresent() ? "v" + version.getAsLong() : "none";
  }
}
