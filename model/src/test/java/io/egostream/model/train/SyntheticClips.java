package io.egostream.model.train;

import io.egostream.model.Clip;
import io.egostream.model.RgbFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Eight clip-narration pairs a tiny model can learn in seconds: the noun sets the background colour (a red cup, a
 * blue box), the verb sets the colour of a square and how it moves over the frames (right, left, down, up). Every
 * (verb, noun) pair occurs once, so batches contain pairs sharing a verb but no noun and vice versa (not EgoNCE
 * positives).
 *
 * <p>The square's colour is there so a few dozen steps suffice: motion alone (right vs left over 2 frames) puts
 * the same patches in the clip, only in the other frame, and the video encoder has no absolute positions and starts
 * with all-zero relative position biases, so until those tables learn, it cannot see the difference.
 */
final class SyntheticClips implements TrainingData {
  static final List<String> VERBS = List.of("pick", "put", "open", "close");
  static final List<String> NOUNS = List.of("cup", "box");
  private static final int SIZE = 64;
  private static final int SQUARE = 16;

  @Override
  public int size() {
    return VERBS.size() * NOUNS.size();
  }

  @Override
  public TrainingSample sample(int index, int frames) {
    int verb = index % VERBS.size();
    int noun = index / VERBS.size();
    List<RgbFrame> out = new ArrayList<>();
    for (int f = 0; f < frames; f++) {
      double t = frames == 1 ? 0 : (double) f / (frames - 1); // 0 → 1 over the clip
      out.add(frame(noun, verb, t));
    }
    // Short narrations: at initialisation the text [CLS] barely depends on the other tokens, and the fewer tokens
    // share its attention, the sooner the words that differ come through.
    String text = VERBS.get(verb) + "s " + NOUNS.get(noun);
    return new TrainingSample(new Clip(out), text, Set.of(VERBS.get(verb)), Set.of(NOUNS.get(noun)));
  }

  /** A noun's four clips stand for one video (one background colour), in verb order. */
  @Override
  public int[] neighbours(int index) {
    int verb = index % VERBS.size();
    int video = index - verb;
    return verb == 0 ? new int[] {video + 1}
        : verb == VERBS.size() - 1 ? new int[] {index - 1} : new int[] {index - 1, index + 1};
  }

  private static RgbFrame frame(int noun, int verb, double t) {
    int[] background = noun == 0 ? new int[] {200, 30, 30} : new int[] {30, 30, 200};
    int[][] squares = {{255, 255, 255}, {20, 20, 20}, {40, 220, 40}, {240, 220, 40}};
    int[] square = squares[verb];
    int travel = SIZE - SQUARE;
    int x = switch (verb) {
      case 0 -> (int) (t * travel);
      case 1 -> (int) ((1 - t) * travel);
      default -> travel / 2;
    };
    int y = switch (verb) {
      case 2 -> (int) (t * travel);
      case 3 -> (int) ((1 - t) * travel);
      default -> travel / 2;
    };
    byte[] rgb = new byte[SIZE * SIZE * 3];
    for (int row = 0; row < SIZE; row++) {
      for (int col = 0; col < SIZE; col++) {
        boolean inSquare = row >= y && row < y + SQUARE && col >= x && col < x + SQUARE;
        for (int c = 0; c < 3; c++) {
          rgb[(row * SIZE + col) * 3 + c] = (byte) (inSquare ? square[c] : background[c]);
        }
      }
    }
    return new RgbFrame(SIZE, SIZE, rgb);
  }
}
