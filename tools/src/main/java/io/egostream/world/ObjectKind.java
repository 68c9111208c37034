package io.egostream.world;

/** Kinds of objects on the table, each with its noun and the actions that make sense for it. */
public enum ObjectKind {
  CUP("cup", 0.5, true, false, false),
  BOWL("bowl", 0.7, true, false, false),
  BOX("box", 0.7, false, true, false),
  JAR("jar", 0.5, true, true, false),
  BOTTLE("bottle", 0.25, false, false, false),
  LAMP("lamp", 0.4, false, false, true);

  private final String noun;
  private final double halfWidth;
  private final boolean fillable;
  private final boolean hasLid;
  private final boolean switchable;

  ObjectKind(String noun, double halfWidth, boolean fillable, boolean hasLid, boolean switchable) {
    this.noun = noun;
    this.halfWidth = halfWidth;
    this.fillable = fillable;
    this.hasLid = hasLid;
    this.switchable = switchable;
  }

  public String noun() {
    return noun;
  }

  /** Half the body's width, in object sizes ({@link Scene#size}): where a hand grips its side. */
  double halfWidth() {
    return halfWidth;
  }

  boolean fillable() {
    return fillable;
  }

  boolean hasLid() {
    return hasLid;
  }

  boolean switchable() {
    return switchable;
  }

  /** Lamps stay put: they are switched, not carried. */
  boolean movable() {
    return !switchable;
  }
}
