package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.model.ShippedModel;
import io.egostream.model.SvittEgo;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/** Which model the job runs: a folder if given, else an untrained preset if asked for, else the shipped one. */
class JobSettingsTest {

  @Test
  void withoutModelOptionsTheJobRunsTheShippedTrainedModelAtItsFrameCount() throws Exception {
    JobSettings settings = JobSettings.from(new Configuration(), 2);
    assertTrue(settings.model().config().trained());
    assertEquals(SvittEgo.readConfig(ShippedModel.folder()), settings.model().config());
    assertEquals(settings.model().config().frames(), settings.clips().framesPerClip());
    assertEquals(4, settings.lanes());
  }

  @Test
  void aPresetAsksForAnUntrainedModelAndAFolderWinsOverIt() throws Exception {
    Configuration conf = new Configuration();
    conf.set(EgoStreamOptions.MODEL_PRESET, "tiny");
    JobSettings untrained = JobSettings.from(conf, 1);
    assertFalse(untrained.model().config().trained());
    assertEquals(4, untrained.clips().framesPerClip());

    conf.set(EgoStreamOptions.MODEL_DIR, ShippedModel.folder().toString());
    assertTrue(JobSettings.from(conf, 1).model().config().trained());
  }

  @Test
  void theClipBuildersClockAndLimitsComeFromTheirOptionsAndABadOneIsNamedByItsKey() {
    Configuration conf = new Configuration();
    conf.set(EgoStreamOptions.MODEL_PRESET, "tiny");
    conf.set(EgoStreamOptions.FRAMES_MAX_CLOCK_JUMP_MS, 60_000L);
    assertEquals(60_000L, JobSettings.from(conf, 1).clips().maxClockJumpMs());
    assertEquals(4_000, JobSettings.from(conf, 1).clips().maxBufferedFrames());

    conf.set(EgoStreamOptions.FRAMES_MAX_BUFFERED_PER_DEVICE, 3);
    assertEquals("Invalid value 3 for frames.max-buffered-per-device: must be at least the model's frame count (4), "
        + "or no clip could ever be built",
        assertThrows(IllegalArgumentException.class, () -> JobSettings.from(conf, 1)).getMessage());
    conf.set(EgoStreamOptions.FRAMES_MAX_BUFFERED_PER_DEVICE, 4_000);
    conf.set(EgoStreamOptions.OUT_OF_ORDERNESS_MS, 120_000L);
    assertEquals("Invalid value 120000 for watermark.out-of-orderness.ms: must be at least 0 and below "
        + "frames.retention.ms (120000)",
        assertThrows(IllegalArgumentException.class, () -> JobSettings.from(conf, 1)).getMessage());
  }
}
