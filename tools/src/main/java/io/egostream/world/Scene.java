package io.egostream.world;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/** What stays fixed in a recording: the objects on the table, clutter, lighting, and how the camera wobbles. */
record Scene(List<Thing> things, List<Clutter> clutter, float wallHue, float tableHue, double swayPhase,
    double swaySpeed, float skinTone) {

  /**
   * How far the wearer's head sways sideways, as a share of the frame's width. Objects keep this far from the edges
   * of the view.
   */
  static final double SWAY = 0.04;

  /**
   * The table's visible width: the centre square of a 4:3 frame, all that a square-input model sees after its centre
   * crop (x from 1/8 to 7/8 of the width), less the sway. Objects and what is done to them stay inside it.
   */
  static final double VIEW_LEFT = 0.125 + SWAY;
  static final double VIEW_RIGHT = 0.875 - SWAY;

  /** The least bare table between two objects of a row, so that each keeps its own outline. */
  static final double GAP = 0.03;

  /** An object's drawing scale at depth y, as a share of the frame's width: about two patches, nearer is larger. */
  static double size(double y) {
    return 0.16 * (0.8 + 0.4 * y);
  }

  /** An object: kind, colour and where it starts, in table coordinates (x, y in [0, 1], y = 1 nearest the wearer). */
  record Thing(ObjectKind kind, Colour colour, double x, double y) {
    String name() {
      return colour.word() + " " + kind.noun();
    }

    /** Half its body's width, as a share of the frame's width. */
    double halfWidth() {
      return kind.halfWidth() * size(y);
    }

    /** In the far row rather than the near one. */
    boolean far() {
      return y < 0.5;
    }
  }

  /** A distractor that never takes part in an action. */
  record Clutter(double x, double y, double size, int grey, boolean round) {}

  /** Indices of the objects, farthest first: the order to draw them in so that nearer ones are in front. */
  int[] nearestLast() {
    return IntStream.range(0, things.size()).boxed()
        .sorted(Comparator.comparingDouble(i -> things.get(i).y())).mapToInt(Integer::intValue).toArray();
  }

  static Scene random(SplittableRandom random, int objects) {
    List<Thing> things = new ArrayList<>();
    List<String> names = new ArrayList<>();
    ObjectKind[] kinds = ObjectKind.values();
    Colour[] colours = Colour.values();
    // Two rows far enough apart that nothing near hides anything far (at most a near bottle's neck reaches a far
    // object's foot; closer rows hid what was moved behind the next object), and each row's objects get equal slots
    // of the visible width, so they keep their distance.
    int[] perRow = {(objects + 1) / 2, objects / 2};
    while (things.size() < objects) {
      int row = things.size() % 2;
      int slot = things.size() / 2;
      ObjectKind kind = kinds[random.nextInt(kinds.length)];
      Colour colour = colours[random.nextInt(colours.length)];
      double y = row == 0 ? 0.2 + 0.1 * random.nextDouble() : 0.8 + 0.12 * random.nextDouble();
      double slotWidth = (VIEW_RIGHT - VIEW_LEFT) / perRow[row];
      double half = kind.halfWidth() * size(y);
      double room = slotWidth - 2 * half - GAP; // how far its centre can vary in the slot
      Thing thing = new Thing(kind, colour, VIEW_LEFT + slot * slotWidth + GAP / 2 + half
          + Math.max(0, room) * random.nextDouble(), y);
      if (room >= 0 && !names.contains(thing.name())) { // too wide for the slot: draw another (a bottle always fits)
        names.add(thing.name());
        things.add(thing);
      }
    }
    List<Clutter> clutter = new ArrayList<>();
    int pieces = 3 + random.nextInt(5);
    for (int i = 0; i < pieces; i++) {
      clutter.add(new Clutter(random.nextDouble(), 0.35 + 0.6 * random.nextDouble(), 0.02 + 0.04 * random.nextDouble(),
          60 + random.nextInt(140), random.nextBoolean()));
    }
    return new Scene(List.copyOf(things), List.copyOf(clutter), (float) random.nextDouble(),
        (float) (0.05 + 0.07 * random.nextDouble()), random.nextDouble() * 2 * Math.PI, 0.7 + 0.6 * random.nextDouble(),
        (float) random.nextDouble());
  }
}
