package io.egostream.operators.inference;

import io.egostream.model.Clip;
import io.egostream.model.RgbFrame;
import io.egostream.model.TestModels;
import io.egostream.operators.records.ClipRecord;
import io.egostream.operators.records.Jpeg;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A model small enough to run in milliseconds, and clips of JPEG frames for it. */
final class TestClips {
  private TestClips() {}


  /** The model every operator test runs: the same seed, so the same weights, in every task and in the test. */
  static final ModelSource MODEL = ModelSource.initialized(TestModels.micro(), 7);

  /** A clip of {@code frames} JPEG frames of random noise (different for every seed), with its fields set from it. */
  static ClipRecord clip(String deviceId, int frames, long seed) {
    Random random = new Random(seed);
    byte[][] jpegs = new byte[frames][];
    long[] frameTimes = new long[frames];
    long start = 1_000 * seed;
    for (int f = 0; f < frames; f++) {
      byte[] rgb = new byte[48 * 40 * 3];
      random.nextBytes(rgb);
      jpegs[f] = Jpeg.encode(new RgbFrame(48, 40, rgb));
      frameTimes[f] = start + 500 + 1_000L * f;
    }
    return new ClipRecord(deviceId, "session-" + deviceId, start, start + 1_000L * frames, frameTimes, jpegs,
        start + 10_000);
  }

  /** The clip's frames as the operator decodes them (JPEG is lossy: not the frames that were encoded). */
  static Clip decoded(ClipRecord record) {
    List<RgbFrame> frames = new ArrayList<>();
    try {
      for (byte[] jpeg : record.jpegs) {
        frames.add(Jpeg.decode(jpeg));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Clip(frames);
  }
}
