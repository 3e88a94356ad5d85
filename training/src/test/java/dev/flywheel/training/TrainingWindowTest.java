package dev.flywheel.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.lakehouse.SharedSpark;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Which examples a run trains on: the champion's successors plus replay, bounded by {@code --until}. */
class TrainingWindowTest {
  private final SparkSession spark = SharedSpark.session();
  private final Path models = Path.of("unused-models");

  @Test
  void untilLeavesEveryLaterExampleOutOfFullAndIncrementalRuns() {
    Dataset<Row> examples = Examples.of(spark, 0, 1000, 1);
    Instant bound = Instant.ofEpochSecond(Examples.START + 600 * 60);
    TrainConfig bounded = TrainConfig.defaults(models).before(bound);
    ModelVersion champion = new ModelVersion(1, null, Instant.EPOCH, "dev", "clicked",
        Instant.ofEpochSecond(Examples.START), Instant.ofEpochSecond(Examples.START + 400 * 60), Map.of(), Map.of(),
        Map.of(), Map.of(), ModelStatus.CHAMPION, "promote", "first", "unused", null);

    Row full = Trainer.select(examples, Optional.empty(), bounded.with("clicked", true))
        .agg(max("event_time"), count(lit(1))).first();
    assertTrue(full.getTimestamp(0).before(Timestamp.from(bound)), "latest selected " + full.getTimestamp(0));
    assertEquals(600, full.getLong(1));

    Dataset<Row> incremental = Trainer.select(examples, Optional.of(champion), bounded);
    Row newRows = incremental.where(col("event_time").gt(lit(Timestamp.from(champion.trainTo()))))
        .agg(min("event_time"), max("event_time"), count(lit(1))).first();
    assertEquals(199, newRows.getLong(2), "the examples after the champion's window and before the bound");
    assertTrue(newRows.getTimestamp(1).before(Timestamp.from(bound)));
  }

  @Test
  void untilIsStoredInTheParametersSoAReproductionKeepsIt() {
    Instant bound = Instant.parse("2026-11-20T00:00:00Z");
    TrainConfig bounded = TrainConfig.defaults(models).before(bound);
    assertEquals("2026-11-20T00:00:00Z", bounded.asParams().get("until"));
    assertEquals(Optional.of(bound), TrainConfig.fromParams(bounded.asParams(), models).until());
    assertEquals(Optional.empty(), TrainConfig.fromParams(TrainConfig.defaults(models).asParams(), models).until(),
        "versions trained before --until existed have no bound");
    Map<String, String> malformed = new HashMap<>(bounded.asParams());
    malformed.put("until", "yesterday");
    assertThrows(IllegalArgumentException.class, () -> TrainConfig.fromParams(malformed, models));
  }

  @Test
  void refitIsStoredInTheParametersAndOlderVersionsDidNotRefit() {
    TrainConfig defaults = TrainConfig.defaults(models);
    assertTrue(defaults.refit(), "refit is the default");
    assertEquals("true", defaults.asParams().get("refit"));
    assertFalse(TrainConfig.fromParams(defaults.withRefit(false).asParams(), models).refit());
    Map<String, String> older = new HashMap<>(defaults.asParams());
    older.remove("refit");
    assertFalse(TrainConfig.fromParams(older, models).refit(), "a version stored before the refit reproduces without it");
  }
}
