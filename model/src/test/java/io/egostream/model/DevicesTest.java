package io.egostream.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;

class DevicesTest {

  @Test
  void cpuIsTheDefaultAndGpusAreCheckedAgainstWhatPyTorchSees() {
    assertEquals(Device.cpu(), Devices.select("cpu"));
    assertEquals(Device.cpu(), Devices.select(" CPU "));
    assertEquals(Device.gpu(1), Devices.gpu(1, 2));
    IllegalArgumentException absent = assertThrows(IllegalArgumentException.class, () -> Devices.gpu(2, 2));
    assertTrue(absent.getMessage().contains("PyTorch sees 2 GPU(s)"), absent.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Devices.select("tpu"));
    assertThrows(IllegalArgumentException.class, () -> Devices.select("gpu:x"));
  }

  @Test
  void askingForAGpuOnAMachineWithoutOneIsAClearError() {
    int visible = Engine.getEngine("PyTorch").getGpuCount();
    if (visible == 0) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.select("gpu"));
      assertTrue(e.getMessage().contains("sees 0 GPU(s)"), e.getMessage());
    } else {
      assertEquals(Device.gpu(0), Devices.select("gpu"));
    }
  }
}
