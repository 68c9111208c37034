package io.egostream.world;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/** What stays fixed in a recording: the objects on the table, clutter, lighting, and how the camera wobbles. */
record Scene(List<Thing> things, List<Clutter> clutter, float wallHue, float tableHue, double swayPhase,
    double swaySpeed, float skinTone) {

  /** An object: kind, colour and where it starts, in table coordinates (x, y in [0, 1], y = 1 nearest the wearer). */
  record Thing(ObjectKind kind, Colour colour, double x, double y) {
    String name() {
      return colour.word() + " " + kind.noun();
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
    while (things.size() < objects) {
      ObjectKind kind = kinds[random.nextInt(kinds.length)];
      Colour colour = colours[random.nextInt(colours.length)];
      // Alternate rows, far and near, so that neighbours overlap little now that objects are two patches wide.
      double x = 0.15 + 0.7 * (things.size() + 0.2 + random.nextDouble() * 0.6) / objects;
      double y = (things.size() % 2 == 0 ? 0.4 : 0.65) + 0.15 * random.nextDouble();
      Thing thing = new Thing(kind, colour, x, y);
      if (!names.contains(thing.name())) {
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
