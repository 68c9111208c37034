package io.egostream.world;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.model.RgbFrame;
import java.awt.Color;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RecordingTest {
  private static final Set<Verb> KEEP_COLOUR_AND_SIZE =
      EnumSet.of(Verb.PICK_UP, Verb.MOVE_LEFT, Verb.MOVE_RIGHT, Verb.OPEN, Verb.CLOSE, Verb.LOOK_AT);

  @Test
  void theSameSeedGivesTheSamePixels() {
    Recording a = Recording.generate(11, 4, 6);
    Recording b = Recording.generate(11, 4, 6);
    for (long ms = 0; ms < a.durationMs(); ms += 1_700) {
      assertArrayEquals(a.frame(ms, 96, 72).rgb(), b.frame(ms, 96, 72).rgb(), "frame at " + ms + " ms");
    }
  }

  /**
   * What is done to an object happens where a model sees it: in the centre square of the frame (all a square-input
   * model keeps after its centre crop), not hidden behind another object, the hand at its side rather than over it.
   * Counted as the object's colour inside that square at the start, middle and end of the action against the whole
   * frame just before it, for the verbs that keep its colour and size (not pouring, switching or putting down), on
   * objects whose colour no other object on the table has. When rows were closer and moves could end behind a
   * neighbour or at the frame's edge, moves' 10th percentile was 0.29 (0.87 now).
   */
  @Test
  void theObjectWorkedOnStaysInTheModelsView() {
    List<Double> moves = new ArrayList<>();
    List<Double> others = new ArrayList<>();
    for (long seed = 0; seed < 40; seed++) {
      Recording r = Recording.generate(seed, 4, 12);
      for (Recording.Action action : r.actions()) {
        Color colour = colourOf(r.objectNames().get(action.object()));
        if (!KEEP_COLOUR_AND_SIZE.contains(action.verb()) || action.noun().equals("lamp")
            || r.objectNames().stream().filter(n -> colourOf(n).equals(colour)).count() > 1) {
          continue;
        }
        int before = count(r.frame(action.startMs() - 1, 160, 120), colour, 0, 160);
        double seen = Double.MAX_VALUE;
        for (double at : new double[] {0.05, 0.5, 0.95}) {
          long ms = action.startMs() + Math.round(at * (action.endMs() - action.startMs()));
          seen = Math.min(seen, count(r.frame(ms, 160, 120), colour, 20, 140) / (double) before);
        }
        (action.verb() == Verb.MOVE_LEFT || action.verb() == Verb.MOVE_RIGHT ? moves : others).add(seen);
      }
    }
    Collections.sort(moves);
    Collections.sort(others);
    assertTrue(moves.size() >= 30 && others.size() >= 100,
        "moves seen: " + moves.size() + ", others: " + others.size());
    assertTrue(moves.get(moves.size() / 2) > 0.85, "moves, median share in view: " + moves.get(moves.size() / 2));
    assertTrue(moves.get(moves.size() / 10) > 0.7, "moves, 10th percentile in view: " + moves.get(moves.size() / 10));
    assertTrue(others.get(others.size() / 2) > 0.9, "others, median share in view: " + others.get(others.size() / 2));
    assertTrue(others.get(others.size() / 10) > 0.6,
        "others, 10th percentile in view: " + others.get(others.size() / 10));
  }

  private static Color colourOf(String objectName) {
    String word = objectName.substring(0, objectName.indexOf(' '));
    for (Colour c : Colour.values()) {
      if (c.word().equals(word)) {
        return c.color();
      }
    }
    throw new AssertionError("no colour named in " + objectName);
  }

  /** Pixels of exactly {@code colour} in columns [{@code fromX}, {@code toX}). */
  private static int count(RgbFrame frame, Color colour, int fromX, int toX) {
    byte[] rgb = frame.rgb();
    int n = 0;
    for (int y = 0; y < frame.height(); y++) {
      for (int x = fromX; x < toX; x++) {
        int i = (y * frame.width() + x) * 3;
        if ((rgb[i] & 255) == colour.getRed() && (rgb[i + 1] & 255) == colour.getGreen()
            && (rgb[i + 2] & 255) == colour.getBlue()) {
          n++;
        }
      }
    }
    return n;
  }
}
