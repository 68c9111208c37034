package io.egostream.data;

import java.util.List;

/**
 * What {@code gen-data} makes.
 *
 * @param recordings number of recordings (videos) in all splits together
 * @param seed seed of everything: scenes, actions, split assignment, questions
 * @param splitFractions train, val, test shares of the recordings; non-negative, summing to 1
 * @param questionsPerSplit EgoMCQ questions per held-out split (val, test); 0 = one inter-video and one intra-video
 *     question per action where possible
 * @param objects objects on each recording's table
 * @param actionsPerRecording narrated actions in each recording
 * @param width video frame width in pixels
 * @param height video frame height in pixels
 * @param fps video frame rate
 */
public record GenDataSettings(int recordings, long seed, List<Double> splitFractions, int questionsPerSplit,
    int objects, int actionsPerRecording, int width, int height, int fps) {

  public GenDataSettings {
    splitFractions = List.copyOf(splitFractions);
    check(recordings >= 1, "--recordings", recordings, "must be at least 1");
    check(splitFractions.size() == 3, "--split-fractions", splitFractions, "give three: train,val,test");
    double sum = 0;
    for (double f : splitFractions) {
      check(Double.isFinite(f) && f >= 0, "--split-fractions", splitFractions, "each must be between 0 and 1");
      sum += f;
    }
    check(Math.abs(sum - 1) < 1e-6, "--split-fractions", splitFractions, "they must add up to 1 (e.g. 0.8,0.1,0.1)");
    check(questionsPerSplit >= 0, "--questions-per-split", questionsPerSplit, "must be >= 0 (0 = all)");
    check(objects >= 2 && objects <= 8, "--objects", objects, "must be between 2 and 8 (the table holds 8 at most)");
    check(actionsPerRecording >= 1, "--actions", actionsPerRecording, "must be at least 1");
    // Even sizes: the encoder works on YUV 4:2:0, whose chroma planes are half size.
    check(width >= 16 && height >= 16 && width % 2 == 0 && height % 2 == 0, "--size", width + "x" + height,
        "width and height must be even and at least 16 (e.g. 160x120)");
    check(fps >= 1 && fps <= 60, "--fps", fps, "must be between 1 and 60");
  }

  private static void check(boolean ok, String name, Object value, String reason) {
    if (!ok) {
      throw new IllegalArgumentException("Invalid value " + value + " for " + name + ": " + reason);
    }
  }
}
