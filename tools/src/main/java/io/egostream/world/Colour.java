package io.egostream.world;

import java.awt.Color;

/** Object colours, each with its narration word. */
public enum Colour {
  RED("red", new Color(205, 40, 40)),
  GREEN("green", new Color(40, 160, 60)),
  BLUE("blue", new Color(40, 80, 210)),
  YELLOW("yellow", new Color(230, 200, 40)),
  PURPLE("purple", new Color(130, 50, 170)),
  ORANGE("orange", new Color(240, 130, 30)),
  WHITE("white", new Color(235, 235, 235)),
  BLACK("black", new Color(30, 30, 30));

  private final String word;
  private final Color color;

  Colour(String word, Color color) {
    this.word = word;
    this.color = color;
  }

  public String word() {
    return word;
  }

  Color color() {
    return color;
  }
}
