package dev.flywheel.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class XgboostSettingsTest {
  private final Path models = Path.of("/tmp/models");

  @Test
  void settingsAreStoredInTheParametersAndReadBack() {
    XgboostSettings tuned = new XgboostSettings(120, 6, 0.1, 10, 0.8);
    TrainConfig config = TrainConfig.defaults(models).withXgboost(tuned);
    assertEquals("0.1", config.asParams().get("eta"));
    assertEquals(tuned, TrainConfig.fromParams(config.asParams(), models).xgboost());
  }

  @Test
  void versionsStoredBeforeEtaWasASettingReadTheValuesTheyWereTrainedWith() {
    Map<String, String> older = new HashMap<>(TrainConfig.defaults(models)
        .withXgboost(new XgboostSettings(50, 6, 0.3, 1, 1)).asParams());
    older.keySet().removeAll(Set.of("eta", "min_child_weight", "subsample"));
    assertEquals(new XgboostSettings(50, 6, 0.3, 1, 1), TrainConfig.fromParams(older, models).xgboost());
  }

  @Test
  void outOfRangeValuesFailWithTheirName() {
    IllegalArgumentException eta = assertThrows(IllegalArgumentException.class, () -> new XgboostSettings(30, 4, 0, 1, 1));
    assertTrue(eta.getMessage().contains("eta 0.0"), eta.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new XgboostSettings(30, 4, 0.3, -1, 1));
    IllegalArgumentException subsample = assertThrows(IllegalArgumentException.class,
        () -> new XgboostSettings(30, 4, 0.3, 1, 1.5));
    assertTrue(subsample.getMessage().contains("subsample 1.5"), subsample.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new XgboostSettings(0, 4, 0.3, 1, 1));
  }
}
