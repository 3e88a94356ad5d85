package dev.flywheel.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.lakehouse.SharedSpark;
import dev.flywheel.lakehouse.TableCatalog;
import dev.flywheel.lakehouse.TableSpec;
import dev.flywheel.lakehouse.Tables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ModelRegistryTest {
  private final SparkSession spark = SharedSpark.session();
  private ModelRegistry registry;
  private Path models;

  static ModelVersion candidate(double auc) {
    return new ModelVersion(0, null, Instant.now(), "test", "clicked", Instant.EPOCH, Instant.EPOCH,
        Map.of("gold.training_examples", 3L), Map.of("rounds", "10"), Map.of("auc", auc),
        Map.of("lr", false), ModelStatus.CANDIDATE, "promote", "first model", "/models/run-" + auc, null);
  }

  @BeforeEach
  void createRegistry() {
    TableSpec spec = Tables.MODEL_VERSIONS.inDatabase(SharedSpark.freshDatabase("registry"));
    TableCatalog.ensure(spark, spec);
    models = SharedSpark.home().root().resolve(spec.database() + "-models");
    registry = ModelRegistry.onDelta(spark, spec.qualifiedName(), models);
  }

  @Test
  void numbersVersionsKeepsLineageAndPromotesWithTheExpectedChampion() {
    ModelVersion first = registry.newVersion(candidate(0.7));
    ModelVersion second = registry.newVersion(candidate(0.8));

    registry.promote(first.version(), OptionalLong.empty());
    registry.promote(second.version(), OptionalLong.of(first.version()));

    assertEquals(List.of(1L, 2L), registry.list().stream().map(ModelVersion::version).toList());
    assertEquals(2L, registry.champion().orElseThrow().version());
    assertEquals(ModelStatus.ARCHIVED, registry.get(1).orElseThrow().status());
    assertEquals(0.8, registry.champion().orElseThrow().metrics().get("auc"));
    assertEquals(3L, registry.champion().orElseThrow().inputVersions().get("gold.training_examples"));
    ChampionChangedException stale = assertThrows(ChampionChangedException.class,
        () -> registry.promote(first.version(), OptionalLong.of(first.version())));
    assertEquals("Cannot promote v1: champion is v2, expected v1; re-read the registry and retry",
        stale.getMessage());
  }

  @Test
  void rollbackPutsThePreviousChampionBackAndRepointsTheServer() throws Exception {
    registry.newVersion(candidate(0.7));
    registry.newVersion(candidate(0.8));
    registry.promote(1, OptionalLong.empty());
    registry.promote(2, OptionalLong.of(1));

    ModelVersion restored = registry.rollback();
    JsonNode pointer = new ObjectMapper().readTree(registry.championPointer().toFile());

    assertEquals(1L, restored.version());
    assertEquals(1L, registry.champion().orElseThrow().version());
    assertEquals(ModelStatus.REJECTED, registry.get(2).orElseThrow().status());
    assertTrue(registry.get(2).orElseThrow().gateReason().contains("rolled back"));
    assertEquals(1L, pointer.get("model_version").asLong());
    assertEquals("/models/run-0.7/bundle", pointer.get("bundle").asText());
    assertEquals(restored.promotedAt().toString(), pointer.get("changed_at").asText());
  }

  @Test
  void everyPromotionRepointsTheServerAndPublishRepairsAStalePointer() throws Exception {
    registry.newVersion(candidate(0.7));
    registry.newVersion(candidate(0.8));
    Path pointer = registry.championPointer();
    assertFalse(Files.exists(pointer));

    registry.promote(1, OptionalLong.empty());
    assertEquals(1L, new ObjectMapper().readTree(pointer.toFile()).get("model_version").asLong());
    registry.promote(2, OptionalLong.of(1));
    JsonNode second = new ObjectMapper().readTree(pointer.toFile());
    Files.writeString(pointer, "{\"model_version\": 1, \"bundle\": \"/stale\"}");

    registry.publishChampion();

    assertEquals(second, new ObjectMapper().readTree(pointer.toFile()));
    assertEquals(2L, second.get("model_version").asLong());
    assertEquals("/models/run-0.8/bundle", second.get("bundle").asText());
    try (var files = Files.list(models)) {
      assertEquals(List.of(pointer), files.toList(), "no temporary file left behind");
    }
  }

  @Test
  void ofTwoConcurrentPromotionsExactlyOneWins() throws Exception {
    registry.newVersion(candidate(0.7));
    registry.newVersion(candidate(0.8));
    registry.newVersion(candidate(0.9));
    registry.promote(1, OptionalLong.empty());
    CyclicBarrier start = new CyclicBarrier(2);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    List<Future<Long>> results = new ArrayList<>();
    for (long version : new long[] {2, 3}) {
      Callable<Long> promotion = () -> {
        start.await();
        return registry.promote(version, OptionalLong.of(1)).version();
      };
      results.add(threads.submit(promotion));
    }
    int wins = 0;
    int lost = 0;
    for (Future<Long> result : results) {
      try {
        result.get();
        wins++;
      } catch (java.util.concurrent.ExecutionException e) {
        assertTrue(e.getCause() instanceof ChampionChangedException, e.getCause().toString());
        lost++;
      }
    }
    threads.shutdown();

    assertEquals(1, wins);
    assertEquals(1, lost);
    assertEquals(1, registry.list().stream().filter(v -> v.status() == ModelStatus.CHAMPION).count());
  }
}
