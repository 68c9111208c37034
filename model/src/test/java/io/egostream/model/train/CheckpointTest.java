package io.egostream.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
  /**
   * A trainer-state.json as written before β2, the position rate scale, reversed negatives and the start of order
   * learning were settings.
   */
  private static final String BEFORE_THE_NEW_SETTINGS = """
      {"step": 500, "optimizerUpdates": 500, "training": {"batchSize": 32, "sceneNegatives": true,
       "temperature": 0.05, "steps": 2200, "learningRate": 2.0E-4, "minLearningRate": 0.0, "weightDecay": 0.02,
       "warmupSteps": 300, "stages": [{"fromStep": 0, "frames": 4, "keepRate": 0.7}], "seed": 0,
       "checkpointEvery": 500}}
      """;

  @Test
  void anOlderCheckpointResumesWithTheSettingsItWasTrainedWith(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve(Checkpoint.STATE), BEFORE_THE_NEW_SETTINGS);
    Checkpoint.State state = Checkpoint.readState(dir);
    TrainingConfig expected = new TrainingConfig.Builder().batchSize(32).temperature(0.05).steps(2200)
        .learningRate(2e-4).warmupSteps(300).stages(List.of(new CurriculumStage(0, 4, 0.7f))).seed(0)
        .checkpointEvery(500).build();
    assertEquals(expected, state.training());
    assertEquals(0.999, state.training().adamBeta2());
    assertEquals(1.0, state.training().positionRateScale());
    assertEquals(0, state.training().reversedNegatives());
    assertEquals(0, state.training().orderFromStep());
    assertEquals(500, state.step());
  }

  @Test
  void aStateThatIsNotAnObjectIsRefusedByName(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve(Checkpoint.STATE), "[]");
    IOException e = assertThrows(IOException.class, () -> Checkpoint.readState(dir));
    assertTrue(e.getMessage().contains(Checkpoint.STATE) && e.getMessage().contains("not a JSON object"),
        e.getMessage());
  }
}
