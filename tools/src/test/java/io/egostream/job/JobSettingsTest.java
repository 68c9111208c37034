package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.model.ShippedModel;
import io.egostream.model.SvittEgo;
import io.egostream.operators.inference.AdaptiveSettings;
import io.egostream.operators.ingest.ClipSettings;
import io.egostream.operators.ingest.DecodeSettings;
import io.egostream.operators.moments.MomentRules;
import io.egostream.operators.query.QueryLimits;
import io.egostream.operators.query.RefineSettings;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.junit.jupiter.api.Test;

/**
 * Which model the job runs: a folder if given, else an untrained preset if asked for, else the shipped one; and the
 * query limits, read from their options and checked.
 */
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
  void queryLimitsAreReadFromTheirOptionsAndCheckedWithTheOptionsName() {
    Configuration conf = new Configuration();
    conf.set(EgoStreamOptions.MODEL_PRESET, "tiny");
    assertEquals(QueryLimits.from(new Configuration()), JobSettings.from(conf, 1).queryLimits());

    conf.setString("limits.standing.max-queries", "7");
    conf.setString("limits.standing.min-threshold", "-0.25");
    QueryLimits limits = JobSettings.from(conf, 1).queryLimits();
    assertEquals(7, limits.standingMax());
    assertEquals(-0.25f, limits.standingMinThreshold());

    conf.setString("limits.text.max-bytes", "0");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobSettings.from(conf, 1));
    assertEquals("Invalid value 0 for limits.text.max-bytes: must be at least 1 (UTF-8 bytes of a query's text)",
        e.getMessage());
    conf.setString("limits.text.max-bytes", "1024");

    conf.set(EgoStreamOptions.MCQ_TIMEOUT_MS, 20_000L);
    conf.set(EgoStreamOptions.MCQ_MAX_TIMEOUT_MS, 10_000L);
    e = assertThrows(IllegalArgumentException.class, () -> JobSettings.from(conf, 1));
    assertEquals("Invalid value 20000 for mcq.timeout.ms: must be at most limits.mcq.max-timeout.ms (10000; raise "
        + "that too)", e.getMessage());
  }

  @Test
  void refinementIsOnByDefaultAsEvalNlqRefinedCheckedAndOffWithZeroCandidatesOrClipsOrInABoundedRun() {
    Configuration conf = new Configuration();
    conf.set(EgoStreamOptions.MODEL_PRESET, "tiny");
    JobSettings settings = JobSettings.from(conf, 1);
    assertEquals(new RefineSettings(1, 14, 10_000, 56), settings.refine());
    assertEquals(MomentRules.DEFAULTS, settings.refine().rules(), "the rules eval-nlq --method refined uses");
    assertTrue(settings.refine().enabled());
    assertFalse(settings.withoutRefinement().refine().enabled());

    conf.set(EgoStreamOptions.REFINE_CANDIDATES, 0);
    assertFalse(JobSettings.from(conf, 1).refine().enabled());
    conf.set(EgoStreamOptions.REFINE_CANDIDATES, 2);
    conf.set(EgoStreamOptions.REFINE_MAX_EXTRA_CLIPS, 0);
    assertFalse(JobSettings.from(conf, 1).refine().enabled());

    conf.set(EgoStreamOptions.REFINE_MAX_EXTRA_CLIPS, 141);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobSettings.from(conf, 1));
    assertEquals("Invalid value 141 for moment.refine.max-extra-clips: must be between 0 (refinement off) and 140 "
        + "(each range costs about one stream clip's embedding)", e.getMessage());
    conf.set(EgoStreamOptions.REFINE_MAX_EXTRA_CLIPS, 28);
    conf.set(EgoStreamOptions.REFINE_TIMEOUT_MS, 0L);
    e = assertThrows(IllegalArgumentException.class, () -> JobSettings.from(conf, 1));
    assertEquals("Invalid value 0 for moment.refine.timeout.ms: must be at least 1 (wall-clock ms to wait for the "
        + "ranges)", e.getMessage());
    conf.set(EgoStreamOptions.REFINE_TIMEOUT_MS, 10_000L);
    conf.set(EgoStreamOptions.REFINE_MAX_OUTSTANDING_CLIPS, 27);
    e = assertThrows(IllegalArgumentException.class, () -> JobSettings.from(conf, 1));
    assertEquals("Invalid value 27 for moment.refine.max-outstanding-clips: must be at least "
        + "moment.refine.max-extra-clips (28), or no query's ranges would fit (raise it, or lower "
        + "moment.refine.max-extra-clips)", e.getMessage());
  }

  /**
   * Every {@link ConfigOption} constant of the job and of the operators (where the options of their settings records
   * are declared) is listed in {@link EgoStreamOptions#all()}, which the README's table is checked against; and no key
   * is listed twice.
   */
  @Test
  void everyDeclaredOptionIsInAll() throws Exception {
    List<ConfigOption<?>> all = EgoStreamOptions.all();
    List<String> declaredIn = new ArrayList<>();
    for (Class<?> inModule : List.of(EgoStreamOptions.class, ClipSettings.class)) {
      for (Class<?> declaring : classesBeside(inModule)) {
        for (Field field : declaring.getDeclaredFields()) {
          if (field.getType() == ConfigOption.class && Modifier.isStatic(field.getModifiers())) {
            field.setAccessible(true);
            assertTrue(all.contains(field.get(null)), declaring.getName() + "." + field.getName()
                + " is missing from EgoStreamOptions.all()");
            declaredIn.add(declaring.getSimpleName());
          }
        }
      }
    }
    assertTrue(declaredIn.containsAll(List.of("EgoStreamOptions", "ClipSettings", "DecodeSettings", "BatchSettings",
        "StoreSettings", "McqSettings", "QueryLimits", "MergeHits", "RefineSettings", "EmbedClips",
        "AdaptiveSettings")),
        "the scan found options in " + declaredIn);
    assertEquals(all.size(), all.stream().map(ConfigOption::key).distinct().count(), "a key is listed twice");
  }

  /** The classes of the module (classes folder or jar) that {@code anchor} was loaded from. */
  private static List<Class<?>> classesBeside(Class<?> anchor) throws Exception {
    Path location = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Class<?>> classes = new ArrayList<>();
    try (FileSystem jar = Files.isDirectory(location) ? null : FileSystems.newFileSystem(location);
        Stream<Path> files = Files.walk(jar == null ? location : jar.getPath("/"))) {
      Path root = jar == null ? location : jar.getPath("/");
      for (Path file : (Iterable<Path>) files::iterator) {
        String name = root.relativize(file).toString();
        if (name.endsWith(".class") && name.startsWith("io/egostream/") && !name.contains("-")) {
          String className = name.substring(0, name.length() - ".class".length()).replace('/', '.');
          classes.add(Class.forName(className, false, anchor.getClassLoader()));
        }
      }
    }
    return classes;
  }

  @Test
  void frameLimitsAreOptionsAndABadOneFailsNamingItsKey() {
    assertEquals(DecodeSettings.from(new Configuration()), JobSettings.from(new Configuration(), 1).decode());
    assertEquals(10 * 60 * 1000L, DecodeSettings.from(new Configuration()).maxFutureSkewMs(),
        "well under the broker's 1 h");

    Configuration conf = new Configuration();
    conf.set(EgoStreamOptions.FRAMES_MAX_FUTURE_SKEW_MS, 60_000L);
    conf.set(EgoStreamOptions.FRAMES_MAX_AGE_MS, 3_600_000L);
    conf.set(EgoStreamOptions.FRAMES_MAX_PIXELS, 1280 * 720);
    conf.set(EgoStreamOptions.FRAMES_MAX_JPEG_BYTES, 1_000_000);
    conf.set(EgoStreamOptions.FRAMES_MAX_JPEG_SCANS, 12);
    conf.set(EgoStreamOptions.FRAMES_MAX_PER_RECORD, 100);
    assertEquals(new DecodeSettings(60_000L, 3_600_000L, 1280 * 720, 1_000_000, 12, 100, 128),
        JobSettings.from(conf, 1).decode());

    conf.set(EgoStreamOptions.FRAMES_MAX_PIXELS, 0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobSettings.from(conf, 1));
    assertTrue(e.getMessage().startsWith("Invalid value 0 for frames.max-pixels: "), e.getMessage());
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

  @Test
  void adaptiveSparsityIsOffByDefaultReadFromItsOptionsAndABadValueIsRefusedByItsKey() {
    Configuration conf = new Configuration();
    conf.set(EgoStreamOptions.MODEL_PRESET, "tiny"); // q_v 0.7
    AdaptiveSettings defaults = JobSettings.from(conf, 1).adaptive();
    assertEquals(new AdaptiveSettings(false, 10_000, 0.3f, 0.1f, 2_000), defaults);

    conf.setString("inference.adaptive.enabled", "true");
    conf.setString("inference.adaptive.latency-target.ms", "3000");
    conf.setString("inference.adaptive.keep-rate.min", "0.4");
    conf.setString("inference.adaptive.keep-rate.step", "0.15");
    conf.setString("inference.adaptive.adjust-interval.ms", "500");
    assertEquals(new AdaptiveSettings(true, 3_000, 0.4f, 0.15f, 500), JobSettings.from(conf, 1).adaptive());

    conf.setString("inference.adaptive.keep-rate.min", "0.8");
    assertEquals("Invalid value 0.8 for inference.adaptive.keep-rate.min: must be at most the model's own keep rate "
        + "0.7 (load-adaptive sparsity only lowers q_v from there)",
        assertThrows(IllegalArgumentException.class, () -> JobSettings.from(conf, 1)).getMessage());
    conf.setString("inference.adaptive.keep-rate.min", "0.4");
    conf.setString("inference.adaptive.keep-rate.step", "0");
    assertEquals("Invalid value 0.0 for inference.adaptive.keep-rate.step: must be in (0, 1] (e.g. 0.1)",
        assertThrows(IllegalArgumentException.class, () -> JobSettings.from(conf, 1)).getMessage());
    conf.setString("inference.adaptive.keep-rate.step", "0.1");
    conf.setString("inference.adaptive.latency-target.ms", "-5");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> JobSettings.from(conf, 1)).getMessage()
        .startsWith("Invalid value -5 for inference.adaptive.latency-target.ms: must be at least 1"));
  }

  @Test
  void lanesDefaultToTwiceTheParallelismAndANegativeCountIsRefusedByItsKey() {
    Configuration conf = new Configuration();
    conf.set(EgoStreamOptions.MODEL_PRESET, "tiny");
    assertEquals(6, JobSettings.from(conf, 3).lanes());
    conf.set(EgoStreamOptions.INFERENCE_LANES, 5);
    assertEquals(5, JobSettings.from(conf, 3).lanes());

    conf.set(EgoStreamOptions.INFERENCE_LANES, -1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobSettings.from(conf, 3));
    assertEquals("Invalid value -1 for inference.lanes: must be at least 0 (0 = 2 × the job's parallelism)",
        e.getMessage());
  }

  @Test
  void deliveryGuaranteesAreExactlyOnceByDefaultAndAnythingButTheTwoNamesIsRefusedByItsKey() {
    for (var option : List.of(EgoStreamOptions.ANSWERS_DELIVERY_GUARANTEE,
        EgoStreamOptions.EMBEDDINGS_DELIVERY_GUARANTEE)) {
      Configuration conf = new Configuration();
      assertEquals(DeliveryGuarantee.EXACTLY_ONCE, KafkaConnectors.deliveryGuarantee(conf, option));
      conf.setString(option.key(), "at-least-once");
      assertEquals(DeliveryGuarantee.AT_LEAST_ONCE, KafkaConnectors.deliveryGuarantee(conf, option));
      conf.setString(option.key(), "none");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobSettings.from(conf, 1));
      assertTrue(e.getMessage().startsWith("Invalid value none for " + option.key() + ": must be "
          + "exactly-once or at-least-once"), e.getMessage());
    }
  }
}
