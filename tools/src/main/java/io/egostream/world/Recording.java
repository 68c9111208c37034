package io.egostream.world;

import io.egostream.model.RgbFrame;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Point2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One first-person recording of the procedural world: a table seen from above and ahead, objects on it, a hand, a
 * wobbling camera, and a sequence of actions, each narrated the Ego4D way. Frames are rendered on demand for any
 * time, so a recording costs nothing until it is looked at; the same seed always gives the same pixels.
 */
public final class Recording {
  static final long IDLE_MS = 500;

  /**
   * One narrated action.
   *
   * @param verb what was done
   * @param object index of the object it was done to
   * @param startMs start, ms from the recording's start
   * @param endMs end (exclusive)
   * @param narration e.g. {@code #C C picks up the red cup}
   * @param noun the object's noun tag, e.g. {@code cup}
   */
  public record Action(Verb verb, int object, long startMs, long endMs, String narration, String noun) {}

  /** Where an object is and what state it is in; everything but x, y in [0, 1]. */
  private record State(double x, double y, double lift, double open, double fill, double on) {
    State with(Verb verb, double p) {
      return switch (verb) {
        case PICK_UP -> new State(x, y, p, open, fill, on);
        case PUT_DOWN -> new State(x, y, 1 - p, open, fill, on);
        case OPEN -> new State(x, y, lift, p, fill, on);
        case CLOSE -> new State(x, y, lift, 1 - p, fill, on);
        case MOVE_LEFT -> new State(x - MOVE * p, y, lift, open, fill, on);
        case MOVE_RIGHT -> new State(x + MOVE * p, y, lift, open, fill, on);
        case POUR_IN -> new State(x, y, lift, open, p, on);
        case POUR_OUT -> new State(x, y, lift, open, 1 - p, on);
        case TURN_ON -> new State(x, y, lift, open, fill, p);
        case TURN_OFF -> new State(x, y, lift, open, fill, 1 - p);
        case LOOK_AT -> this;
      };
    }
  }

  private static final double MOVE = 0.15;
  private static final double HAND_RADIUS = 0.06; // of the frame's width

  /**
   * Where a hand works on an object (the middle of its right side) and where poured water lands (the middle of its
   * body at rest size).
   */
  private record Reach(double sideX, double sideY, double pourX, double pourY) {}

  private final Scene scene;
  private final List<Action> actions;
  private final List<State[]> statesBefore; // per action, every object's state when it starts
  private final int[] drawOrder; // objects farthest first; no action changes how far an object is
  private final long durationMs;

  private Recording(Scene scene, List<Action> actions, List<State[]> statesBefore, long durationMs) {
    this.scene = scene;
    this.actions = List.copyOf(actions);
    this.statesBefore = statesBefore;
    this.drawOrder = scene.nearestLast();
    this.durationMs = durationMs;
  }

  /** A recording of {@code actionCount} actions on a table of {@code objects} objects, all drawn from {@code seed}. */
  public static Recording generate(long seed, int objects, int actionCount) {
    SplittableRandom random = new SplittableRandom(seed);
    Scene scene = Scene.random(random, objects);
    State[] state = new State[objects];
    for (int i = 0; i < objects; i++) {
      Scene.Thing t = scene.things().get(i);
      state[i] = new State(t.x(), t.y(), 0, 0, 0, 0);
    }
    List<Action> actions = new ArrayList<>();
    List<State[]> before = new ArrayList<>();
    long t = IDLE_MS;
    for (int a = 0; a < actionCount; a++) {
      int[] pick = nextAction(random, scene, state);
      Verb verb = Verb.values()[pick[0]];
      Scene.Thing thing = scene.things().get(pick[1]);
      long length = 2_500 + random.nextInt(1_500);
      actions.add(new Action(verb, pick[1], t, t + length, verb.narrate(thing.name()), thing.kind().noun()));
      before.add(state.clone());
      state[pick[1]] = state[pick[1]].with(verb, 1);
      t += length + IDLE_MS;
    }
    return new Recording(scene, actions, before, t);
  }

  /** A valid (verb ordinal, object) for the current states, uniformly among the valid ones. */
  private static int[] nextAction(SplittableRandom random, Scene scene, State[] state) {
    for (int i = 0; i < state.length; i++) {
      if (state[i].lift() > 0.5) {
        return new int[] {Verb.PUT_DOWN.ordinal(), i}; // a held object is put down before anything else happens
      }
    }
    List<int[]> valid = new ArrayList<>();
    for (int i = 0; i < state.length; i++) {
      ObjectKind kind = scene.things().get(i).kind();
      State s = state[i];
      boolean reachable = !kind.hasLid() || s.open() > 0.5;
      if (kind.movable() && s.fill() < 0.5) {
        valid.add(new int[] {Verb.PICK_UP.ordinal(), i});
      }
      if (kind.hasLid()) {
        valid.add(new int[] {(s.open() > 0.5 ? Verb.CLOSE : Verb.OPEN).ordinal(), i});
      }
      if (kind.movable() && canSlide(scene, state, i, s.x() - MOVE)) {
        valid.add(new int[] {Verb.MOVE_LEFT.ordinal(), i});
      }
      if (kind.movable() && canSlide(scene, state, i, s.x() + MOVE)) {
        valid.add(new int[] {Verb.MOVE_RIGHT.ordinal(), i});
      }
      if (kind.fillable() && reachable) {
        valid.add(new int[] {(s.fill() > 0.5 ? Verb.POUR_OUT : Verb.POUR_IN).ordinal(), i});
      }
      if (kind.switchable()) {
        valid.add(new int[] {(s.on() > 0.5 ? Verb.TURN_OFF : Verb.TURN_ON).ordinal(), i});
      }
      if (random.nextInt(3) == 0) {
        valid.add(new int[] {Verb.LOOK_AT.ordinal(), i}); // rarer: a static clip, no direction in time
      }
    }
    return valid.get(random.nextInt(valid.size()));
  }

  /**
   * Whether object {@code i} can slide to {@code x}: it stays in view and passes no object of its row closer than
   * {@link Scene#GAP}, so what is moved is never hidden by, nor mistaken for, its neighbour.
   */
  private static boolean canSlide(Scene scene, State[] state, int i, double x) {
    Scene.Thing thing = scene.things().get(i);
    double left = Math.min(state[i].x(), x) - thing.halfWidth();
    double right = Math.max(state[i].x(), x) + thing.halfWidth();
    if (left < Scene.VIEW_LEFT || right > Scene.VIEW_RIGHT) {
      return false;
    }
    for (int j = 0; j < state.length; j++) {
      Scene.Thing other = scene.things().get(j);
      if (j != i && other.far() == thing.far() && state[j].x() + other.halfWidth() + Scene.GAP > left
          && state[j].x() - other.halfWidth() - Scene.GAP < right) {
        return false;
      }
    }
    return true;
  }

  public List<Action> actions() {
    return actions;
  }

  public long durationMs() {
    return durationMs;
  }

  /** Narrated names of the objects, e.g. {@code red cup}. */
  public List<String> objectNames() {
    return scene.things().stream().map(Scene.Thing::name).toList();
  }

  /** The frame at {@code ms} from the start. */
  public RgbFrame frame(long ms, int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      draw(g, ms, width, height);
    } finally {
      g.dispose();
    }
    return RgbFrame.fromBgrImage(image);
  }

  private void draw(Graphics2D g, long ms, int w, int h) {
    int current = actionAt(ms);
    State[] states = statesAt(ms, current);
    Action action = current >= 0 ? actions.get(current) : null;
    double p = action == null ? 0 : (double) (ms - action.startMs()) / (action.endMs() - action.startMs());

    // Camera: the wearer's head sways and drifts; looking at an object pans towards it.
    double t = ms / 1000.0 * scene.swaySpeed();
    double panX = 0;
    if (action != null && action.verb() == Verb.LOOK_AT) {
      panX = (0.5 - states[action.object()].x()) * w * 0.6 * Math.sin(Math.PI * Math.min(1, p * 1.5));
    }
    AffineTransform camera = new AffineTransform();
    camera.translate(w / 2.0 + Scene.SWAY * w * Math.sin(2.1 * t + scene.swayPhase()) + panX,
        h / 2.0 + 0.03 * h * Math.sin(1.3 * t));
    camera.rotate(0.04 * Math.sin(0.9 * t + scene.swayPhase()));
    camera.translate(-w / 2.0, -h / 2.0);

    g.setColor(Color.getHSBColor(scene.wallHue(), 0.15f, 0.85f));
    g.fillRect(0, 0, w, h);
    AffineTransform screen = g.getTransform();
    g.transform(camera);
    g.setColor(Color.getHSBColor(scene.tableHue(), 0.45f, 0.55f));
    g.fillRect(-w, (int) (0.3 * h), 3 * w, 2 * h);
    g.setColor(Color.getHSBColor(scene.tableHue(), 0.45f, 0.48f));
    for (int i = 0; i < 6; i++) {
      g.drawLine(-w, (int) (0.3 * h + i * 0.13 * h), 2 * w, (int) (0.3 * h + i * 0.13 * h + 0.05 * h));
    }
    for (Scene.Clutter c : scene.clutter()) {
      g.setColor(new Color(c.grey(), c.grey(), c.grey()));
      double s = c.size() * w;
      double cx = c.x() * w;
      double cy = 0.3 * h + c.y() * 0.7 * h;
      if (c.round()) {
        g.fill(new Ellipse2D.Double(cx - s, cy - s / 2, 2 * s, s));
      } else {
        g.fillRect((int) (cx - s), (int) (cy - s / 2), (int) (2 * s), (int) s);
      }
    }
    Reach reach = null;
    for (int i : drawOrder) {
      boolean tilted = action != null && action.object() == i && action.verb() == Verb.POUR_OUT;
      Reach r = drawThing(g, scene.things().get(i), states[i], w, h, tilted ? Math.sin(Math.PI * p) : 0);
      if (action != null && action.object() == i && action.verb() != Verb.LOOK_AT) {
        reach = r;
      }
    }
    if (action != null && action.verb() == Verb.POUR_IN && reach != null) {
      drawPouringBottle(g, reach, w, Math.sin(Math.PI * p));
    }
    g.setTransform(screen);
    // The hand grips the object's side, so the object stays in view while it is worked on.
    Point2D grip = reach == null ? null
        : camera.transform(new Point2D.Double(reach.sideX() + 0.6 * HAND_RADIUS * w, reach.sideY()), null);
    drawHand(g, handPosition(grip, p, w, h), w, h);
  }

  private int actionAt(long ms) {
    for (int i = 0; i < actions.size(); i++) {
      if (ms >= actions.get(i).startMs() && ms < actions.get(i).endMs()) {
        return i;
      }
    }
    return -1;
  }

  /** Every object's state at {@code ms}: the states before the current (or next) action, with its progress. */
  private State[] statesAt(long ms, int current) {
    if (current >= 0) {
      Action a = actions.get(current);
      State[] states = statesBefore.get(current).clone();
      // The hand reaches the object first; the change happens in the middle part of the action.
      double p = Math.max(0, Math.min(1, ((double) (ms - a.startMs()) / (a.endMs() - a.startMs()) - 0.2) / 0.6));
      states[a.object()] = states[a.object()].with(a.verb(), p);
      return states;
    }
    for (int i = 0; i < actions.size(); i++) {
      if (ms < actions.get(i).startMs()) {
        return statesBefore.get(i);
      }
    }
    State[] states = statesBefore.isEmpty() ? new State[0] : statesBefore.get(actions.size() - 1).clone();
    if (!actions.isEmpty()) {
      Action last = actions.get(actions.size() - 1);
      states[last.object()] = states[last.object()].with(last.verb(), 1);
    }
    return states;
  }

  /** Draws one object; returns where a hand works on it (image coordinates before the camera). */
  private static Reach drawThing(Graphics2D g, Scene.Thing thing, State s, int w, int h, double tilt) {
    double cx = s.x() * w;
    double baseY = 0.3 * h + s.y() * 0.7 * h;
    double size = Scene.size(s.y()) * w;
    double scale = 1 + 0.25 * s.lift(); // a lifted object comes closer to the camera
    // It rises a quarter of the frame, less where that would take the tallest carried object (a bottle, 1.6 sizes)
    // out of the top of the frame, but at least about a patch.
    double lift = s.lift() * Math.max(0.12 * h, Math.min(0.25 * h, baseY - 1.25 * 1.6 * size - 0.02 * h));
    g.setColor(new Color(0, 0, 0, 60));
    g.fill(new Ellipse2D.Double(cx - size * 0.6, baseY - size * 0.12, size * 1.2, size * 0.24));
    AffineTransform saved = g.getTransform();
    g.translate(cx, baseY - lift);
    g.scale(scale, scale);
    g.rotate(-0.9 * tilt);
    Color colour = thing.colour().color();
    double bw = size;
    double bh = size;
    switch (thing.kind()) {
      case CUP -> {
        g.setColor(colour);
        g.fill(new RoundRectangle2D.Double(-bw / 2, -bh, bw * 0.8, bh, bw * 0.1, bw * 0.1));
        g.setStroke(new BasicStroke((float) (bw * 0.08)));
        g.draw(new Ellipse2D.Double(bw * 0.2, -bh * 0.75, bw * 0.3, bh * 0.4));
        drawFill(g, s.fill(), -bw / 2 + bw * 0.08, bw * 0.64, bh);
      }
      case BOWL -> {
        g.setColor(colour);
        g.fill(new Ellipse2D.Double(-bw * 0.7, -bh * 0.6, bw * 1.4, bh * 0.9));
        g.setColor(colour.darker());
        g.fill(new Ellipse2D.Double(-bw * 0.6, -bh * 0.6, bw * 1.2, bh * 0.35));
        drawFill(g, s.fill(), -bw * 0.5, bw, bh * 0.5);
      }
      case BOX -> {
        g.setColor(colour);
        g.fillRect((int) (-bw * 0.7), (int) (-bh * 0.8), (int) (bw * 1.4), (int) (bh * 0.8));
        drawLid(g, colour.darker(), s.open(), -bw * 0.75, -bh * 0.8, bw * 1.5, bh * 0.18, bw);
      }
      case JAR -> {
        g.setColor(colour);
        g.fill(new RoundRectangle2D.Double(-bw * 0.45, -bh * 1.1, bw * 0.9, bh * 1.1, bw * 0.3, bw * 0.3));
        drawFill(g, s.fill(), -bw * 0.35, bw * 0.7, bh * 1.0);
        drawLid(g, Color.DARK_GRAY, s.open(), -bw * 0.5, -bh * 1.22, bw, bh * 0.16, bw);
      }
      case BOTTLE -> {
        g.setColor(colour);
        g.fill(new RoundRectangle2D.Double(-bw * 0.25, -bh * 1.3, bw * 0.5, bh * 1.3, bw * 0.2, bw * 0.2));
        g.fillRect((int) (-bw * 0.1), (int) (-bh * 1.6), (int) (bw * 0.2), (int) (bh * 0.35));
      }
      case LAMP -> {
        g.setColor(Color.DARK_GRAY);
        g.fillRect((int) (-bw * 0.4), (int) (-bh * 0.15), (int) (bw * 0.8), (int) (bh * 0.15));
        g.fillRect((int) (-bw * 0.05), (int) (-bh * 1.0), (int) (bw * 0.1), (int) (bh * 0.9));
        if (s.on() > 0) {
          g.setColor(new Color(255, 240, 120, (int) (160 * s.on())));
          g.fill(new Ellipse2D.Double(-bw * 0.9, -bh * 1.7, bw * 1.8, bw * 1.4));
        }
        g.setColor(mix(colour, new Color(255, 250, 200), s.on()));
        g.fill(new Ellipse2D.Double(-bw * 0.35, -bh * 1.35, bw * 0.7, bh * 0.6));
      }
      default -> throw new IllegalStateException("No drawing for " + thing.kind());
    }
    g.setTransform(saved);
    double middle = baseY - lift - size * 0.5 * scale;
    return new Reach(cx + thing.kind().halfWidth() * size * scale, middle, cx, baseY - lift - size * 0.5);
  }

  private static void drawFill(Graphics2D g, double fill, double x, double width, double height) {
    if (fill <= 0) {
      return;
    }
    g.setColor(new Color(70, 150, 230));
    double level = fill * height * 0.8;
    g.fill(new java.awt.geom.Rectangle2D.Double(x, -level - height * 0.05, width, level));
  }

  private static void drawLid(Graphics2D g, Color colour, double open, double x, double y, double width,
      double height, double size) {
    g.setColor(colour);
    // Opening slides the lid up and to the side, so "open" and "close" are each other's frames reversed.
    g.fill(new java.awt.geom.Rectangle2D.Double(x + open * size * 0.9, y - open * size * 0.5, width, height));
  }

  private static void drawPouringBottle(Graphics2D g, Reach target, int w, double tilt) {
    AffineTransform saved = g.getTransform();
    double size = 0.1 * w;
    g.translate(target.pourX() - size * 0.6, target.pourY() - size * 1.4);
    g.rotate(1.2 * tilt);
    g.setColor(new Color(220, 220, 240));
    g.fill(new RoundRectangle2D.Double(-size * 0.2, -size, size * 0.4, size, size * 0.1, size * 0.1));
    g.setTransform(saved);
    if (tilt > 0.3) {
      g.setColor(new Color(70, 150, 230));
      g.setStroke(new BasicStroke((float) (size * 0.08)));
      g.drawLine((int) (target.pourX() - size * 0.2), (int) (target.pourY() - size * 1.2), (int) target.pourX(),
          (int) target.pourY());
    }
  }

  /** The hand rests low right; during an action it reaches the object, works, then stays until the action ends. */
  private static double[] handPosition(Point2D target, double p, int w, int h) {
    double[] rest = {0.8 * w, 1.05 * h};
    if (target == null) {
      return rest;
    }
    double reach = Math.min(1, p / 0.2);
    return new double[] {rest[0] + (target.getX() - rest[0]) * reach, rest[1] + (target.getY() - rest[1]) * reach};
  }

  private void drawHand(Graphics2D g, double[] at, int w, int h) {
    Color skin = Color.getHSBColor(0.07f, 0.35f + 0.3f * scene.skinTone(), 0.95f - 0.5f * scene.skinTone());
    g.setColor(skin.darker());
    g.setStroke(new BasicStroke((float) (0.07 * w), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    g.drawLine((int) at[0], (int) at[1], (int) (0.95 * w), (int) (1.2 * h));
    g.setColor(skin);
    double r = HAND_RADIUS * w;
    g.fill(new Ellipse2D.Double(at[0] - r, at[1] - r * 0.8, 2 * r, 1.6 * r));
    g.setColor(new Color(40, 40, 40));
    g.fillRect((int) (0.02 * w), (int) (0.9 * h), (int) (0.15 * w), (int) (0.1 * h)); // the other hand's sleeve
  }

  private static Color mix(Color a, Color b, double t) {
    return new Color((int) (a.getRed() + (b.getRed() - a.getRed()) * t),
        (int) (a.getGreen() + (b.getGreen() - a.getGreen()) * t),
        (int) (a.getBlue() + (b.getBlue() - a.getBlue()) * t));
  }
}
