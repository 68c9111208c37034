package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
}
