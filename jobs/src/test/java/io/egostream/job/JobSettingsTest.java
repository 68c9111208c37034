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

  /** A wearable at a low frame rate still gets clips (frames repeated) if clip.min-frames is below the model's T. */
  @Test
  void clipMinFramesDefaultsToTheModelsFrameCountAndMayBeLowerButNotHigher() {
    assertEquals(4, JobSettings.from(new Configuration(), 1).clips().minFramesPerClip());
    Configuration conf = new Configuration();
    conf.set(EgoStreamOptions.CLIP_MIN_FRAMES, 2);
    assertEquals(2, JobSettings.from(conf, 1).clips().minFramesPerClip());
    conf.set(EgoStreamOptions.CLIP_MIN_FRAMES, 5);
    assertEquals("Invalid value 5 for clip.min-frames: must be between 1 and the model's frame count (4), or 0 for "
        + "the model's frame count", assertThrows(IllegalArgumentException.class,
            () -> JobSettings.from(conf, 1)).getMessage());
  }

  /** The store's eviction interval is not an option: it shrinks to a short store.retention.ms instead of failing. */
  @Test
  void aStoreRetentionShorterThanTheEvictionIntervalIsAccepted() {
    Configuration conf = new Configuration();
    conf.set(EgoStreamOptions.STORE_RETENTION_MS, 30_000L);
    JobSettings settings = JobSettings.from(conf, 1);
    assertEquals(30_000, settings.store().retentionMs());
    assertEquals(30_000, settings.store().evictionIntervalMs());
  }
}
