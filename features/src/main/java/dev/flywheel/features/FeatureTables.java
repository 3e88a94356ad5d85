package dev.flywheel.features;

import dev.flywheel.lakehouse.TableSpec;
import dev.flywheel.lakehouse.Tables;
import java.util.List;

/**
 * The tables the features job reads and writes. {@link #standard()} is the catalog; tests move all of
 * them into a fresh database with {@link #inDatabase}. Immutable.
 *
 * @param bronze the feedback events read
 * @param ledger the run ledger the job records itself in
 * @param specs the silver and gold tables written, in {@link #written()} order
 */
public record FeatureTables(TableSpec bronze, String ledger, List<TableSpec> specs) {
  public FeatureTables {
    specs = List.copyOf(specs);
  }

  /** The catalog's own tables. */
  public static FeatureTables standard() {
    return new FeatureTables(Tables.FEEDBACK_EVENTS, Tables.JOB_RUNS.qualifiedName(), List.of(
        Tables.IMPRESSIONS, Tables.UNATTRIBUTED_FEEDBACK, Tables.USER_FEATURES, Tables.ITEM_FEATURES,
        Tables.QUERY_ITEM_FEATURES, Tables.GLOBAL_FEATURES, Tables.TRAINING_EXAMPLES, Tables.FEATURE_STATS));
  }

  /** Every table, ledger included, moved into {@code database}. */
  public FeatureTables inDatabase(String database) {
    return new FeatureTables(bronze.inDatabase(database), database + "." + Tables.JOB_RUNS.name(),
        specs.stream().map(s -> s.inDatabase(database)).toList());
  }

  /** The tables the job writes, in order: silver first, then gold. */
  public List<TableSpec> written() {
    return specs;
  }

  public String impressions() {
    return specs.get(0).qualifiedName();
  }

  public String unattributed() {
    return specs.get(1).qualifiedName();
  }

  public String users() {
    return specs.get(2).qualifiedName();
  }

  public String items() {
    return specs.get(3).qualifiedName();
  }

  public String queryItems() {
    return specs.get(4).qualifiedName();
  }

  public String global() {
    return specs.get(5).qualifiedName();
  }

  public String examples() {
    return specs.get(6).qualifiedName();
  }

  public String stats() {
    return specs.get(7).qualifiedName();
  }
}
