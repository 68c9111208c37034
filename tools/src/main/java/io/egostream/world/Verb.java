package io.egostream.world;

import java.util.Locale;

/**
 * What the camera wearer does. Every verb but {@link #LOOK_AT} comes in a pair whose members are each other's
 * reverse in time (pick up / put down, open / close, ...): a model can only tell them apart by the order of frames.
 */
public enum Verb {
  PICK_UP("picks up the %s"),
  PUT_DOWN("puts down the %s"),
  OPEN("opens the %s"),
  CLOSE("closes the %s"),
  MOVE_LEFT("moves the %s to the left"),
  MOVE_RIGHT("moves the %s to the right"),
  POUR_IN("pours water into the %s"),
  POUR_OUT("pours water out of the %s"),
  TURN_ON("turns on the %s"),
  TURN_OFF("turns off the %s"),
  LOOK_AT("looks at the %s");

  private final String phrase;

  Verb(String phrase) {
    this.phrase = phrase;
  }

  /** EgoClip-style verb tag, e.g. {@code pick up}. */
  public String tag() {
    return name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  /** The Ego4D-style narration of this verb on an object: {@code #C C picks up the red cup}. */
  public String narrate(String object) {
    return "#C C " + String.format(Locale.ROOT, phrase, object);
  }
}
