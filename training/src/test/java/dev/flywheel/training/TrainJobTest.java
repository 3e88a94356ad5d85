package dev.flywheel.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.to_date;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.lakehouse.LakehouseException;
import dev.flywheel.lakehouse.SharedSpark;
import dev.flywheel.lakehouse.TableCatalog;
import dev.flywheel.lakehouse.Tables;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;

/** The job on the catalog's own tables (gold.training_examples, gold.feature_stats, ml.model_versions). */
class TrainJobTest {
  private final SparkSession spark = SharedSpark.session();

  /** The synthetic examples in gold.training_examples' shape. */
  private Dataset<Row> asTable(Dataset<Row> examples) {
    List<Column> columns = new ArrayList<>();
    for (StructField field : Tables.TRAINING_EXAMPLES.schema().fields()) {
      Column value = switch (field.name()) {
        case "event_date" -> to_date(col("event_time"));
        default -> List.of(examples.columns()).contains(field.name()) ? col(field.name()) : lit(null);
      };
      columns.add(value.cast(field.dataType()).as(field.name()));
    }
    return examples.select(columns.toArray(Column[]::new));
  }

  private Dataset<Row> statsRows(Normalization normalization, long statsVersion) {
    List<Row> rows = new ArrayList<>();
    normalization.features().forEach((feature, scale) -> rows.add(RowFactory.create(statsVersion, feature,
        scale.transform(), 1L, null, null, null, null, scale.mean(), scale.stddev(),
        java.sql.Timestamp.valueOf("2026-01-03 00:00:00"))));
    return spark.createDataFrame(rows, Tables.FEATURE_STATS.schema());
  }

  @Test
  void failsWithoutStatisticsThenTrainsPointsTheServerAndReproducesAVersion() throws Exception {
    TableCatalog.ensureAll(spark, List.of(Tables.JOB_RUNS, Tables.TRAINING_EXAMPLES, Tables.FEATURE_STATS,
        Tables.MODEL_VERSIONS));
    Path models = SharedSpark.home().root().resolve("train-job-models");
    TrainConfig config = TrainConfig.defaults(models);
    Dataset<Row> examples = Examples.of(spark, 0, 3000, 1);
    TableCatalog.append(asTable(examples), Tables.TRAINING_EXAMPLES.qualifiedName());

    LakehouseException noStats = assertThrows(LakehouseException.class, () -> TrainJob.run(spark, config));
    assertTrue(noStats.getMessage().startsWith("gold.feature_stats has no statistics yet"), noStats.getMessage());

    TableCatalog.append(statsRows(Examples.normalization(examples), 7), Tables.FEATURE_STATS.qualifiedName());
    ModelVersion v1 = TrainJob.run(spark, config).version().orElseThrow();

    assertEquals(ModelStatus.CHAMPION, v1.status(), v1.gateReason());
    assertEquals("7", v1.params().get("stats_version"));
    assertEquals(Map.of(Tables.TRAINING_EXAMPLES.qualifiedName(),
            TableCatalog.latestVersion(spark, Tables.TRAINING_EXAMPLES.qualifiedName()),
            Tables.FEATURE_STATS.qualifiedName(), TableCatalog.latestVersion(spark, Tables.FEATURE_STATS.qualifiedName())),
        v1.inputVersions());
    JsonNode pointer = new ObjectMapper().readTree(models.resolve("CHAMPION.json").toFile());
    assertEquals(v1.version(), pointer.get("model_version").asLong());
    assertEquals(Path.of(v1.artifactLocation(), "bundle").toString(), pointer.get("bundle").asText());

    // Later rows and statistics must not leak into the reproduction: it time-travels to the recorded versions.
    TableCatalog.append(asTable(Examples.of(spark, 3000, 4000, 6)), Tables.TRAINING_EXAMPLES.qualifiedName());
    TableCatalog.append(statsRows(Examples.normalization(examples.limit(10)), 7), Tables.FEATURE_STATS.qualifiedName());
    TrainJob.Reproduction again = TrainJob.reproduce(spark, models, v1.version());

    assertEquals(Map.of(), again.differences(1e-9), "reproduced " + again.metrics());
  }
}
