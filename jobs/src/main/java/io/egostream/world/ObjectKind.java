package io.egostream.world;

/** Kinds of objects on the table, each with its noun and the actions that make sense for it. */
public enum ObjectKind {
  CUP("cup", true, false, false),
  BOWL("bowl", true, false, false),
  BOX("box", false, true, false),
  JAR("jar", true, true, false),
  BOTTLE("bottle", false, false, false),
  LAMP("lamp", false, false, true);

  private final String noun;
  private final boolean fillable;
  private final boolean hasLid;
  private final boolean switchable;

  ObjectKind(String noun, boolean fillable, boolean hasLid, boolean switchable) {
    this.noun = noun;
    this.fillable = fillable;
    this.hasLid = hasLid;
    this.switchable = switchable;
  }

  public String noun() {
    return noun;
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
