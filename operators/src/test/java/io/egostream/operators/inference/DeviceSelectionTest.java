package io.egostream.operators.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The selection rule only: there is no GPU here, so {@link DeviceSelection#forTask}'s GPU path never runs. */
class DeviceSelectionTest {

  @Test
  void aTaskWithoutGpuResourcesRunsOnTheCpu() {
    DeviceSelection.Choice choice = DeviceSelection.choose(List.of(), 4, 0);
    assertEquals(Device.cpu(), choice.device());
    assertTrue(choice.reason().contains("no 'gpu' external resource"), choice.reason());
  }

  @Test
  void aTaskWithAGpuPyTorchSeesRunsOnIt() {
    assertEquals(Device.gpu(1), DeviceSelection.choose(List.of("1"), 2, 0).device());
    assertEquals(Device.gpu(0), DeviceSelection.choose(List.of(" 0 "), 1, 5).device());
  }

  @Test
  void theTasksOfATaskManagerSpreadOverItsGpusBySubtaskIndex() {
    List<String> gpus = List.of("3", "1", "2", "0"); // in whatever order the plugin lists them
    int[] chosen = new int[6];
    for (int subtask = 0; subtask < chosen.length; subtask++) {
      chosen[subtask] = DeviceSelection.choose(gpus, 4, subtask).device().getDeviceId();
    }
    assertEquals("[0, 1, 2, 3, 0, 1]", Arrays.toString(chosen));
  }

  @Test
  void aGpuPyTorchCannotSeeFallsBackToTheCpuAndSaysWhy() {
    DeviceSelection.Choice choice = DeviceSelection.choose(List.of("0"), 0, 0);
    assertEquals(Device.cpu(), choice.device());
    assertTrue(choice.reason().contains("PyTorch sees 0 GPU(s)"), choice.reason());
    assertTrue(choice.reason().contains("-Pgpu"), choice.reason());
  }

  @Test
  void onlyTheGpusPyTorchSeesAreUsed() {
    DeviceSelection.Choice choice = DeviceSelection.choose(List.of("0", "1", "2"), 2, 2);
    assertEquals(Device.gpu(0), choice.device(), "subtask 2 of the two usable GPUs 0 and 1");
    assertTrue(choice.reason().contains("[2] are unused"), choice.reason());
  }

  @Test
  void indicesThatAreNotGpuIndicesAreIgnored() {
    assertEquals(Device.gpu(1), DeviceSelection.choose(Arrays.asList("x", null, "-1", "1"), 2, 0).device());
    DeviceSelection.Choice none = DeviceSelection.choose(Arrays.asList("x", null), 2, 0);
    assertEquals(Device.cpu(), none.device());
    assertTrue(none.reason().contains("no 'gpu' resource has a usable index"), none.reason());
    assertTrue(none.reason().contains("[x, null]"), none.reason());
  }
}
