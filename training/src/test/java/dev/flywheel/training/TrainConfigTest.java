package dev.flywheel.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The stored parameters give back the configuration, XGBoost's settings included; bad settings fail early. */
class TrainConfigTest {
  private final Path models = Path.of("models");

  @Test
  void paramsRoundTripAndAVersionFromBeforeTheXgboostSettingsGetsWhatItWasTrainedWith() {
    TrainConfig tuned = TrainConfig.defaults(models);
    assertEquals(tuned, TrainConfig.fromParams(tuned.asParams(), models));

    Map<String, String> older = new HashMap<>(tuned.asParams());
    for (String key : List.of("eta", "min_child_weight", "subsample", "colsample_bytree", "early_stopping_rounds")) {
      older.remove(key);
    }
    older.put("rounds", "30");
    older.put("max_depth", "4");
    assertEquals(TrainConfig.XgboostSettings.LEGACY, TrainConfig.fromParams(older, models).xgboost());
  }

  @Test
  void outOfRangeXgboostSettingsFailWithTheValues() {
    IllegalArgumentException eta = assertThrows(IllegalArgumentException.class,
        () -> new TrainConfig.XgboostSettings(100, 6, 0, 10, 0.8, 0.8, 40));
    assertEquals(true, eta.getMessage().contains("eta 0.0"), eta.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new TrainConfig.XgboostSettings(100, 6, 0.1, 10, 0.8, 0.8, -1));
  }
}
