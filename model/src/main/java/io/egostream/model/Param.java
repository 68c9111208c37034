package io.egostream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** One model parameter: its state-dict name (the released code's), its shape, how it starts, and its value. */
public final class Param {
  private final String name;
  private final Shape shape;
  private final Init init;
  private NDArray value;

  Param(String name, Shape shape, Init init) {
    this.name = name;
    this.shape = shape;
    this.init = init;
  }

  public String name() {
    return name;
  }

  public Shape shape() {
    return shape;
  }

  Init init() {
    return init;
  }

  /** The current value; the model's forward passes read it on every call. */
  public NDArray array() {
    if (value == null) {
      throw new IllegalStateException("Parameter " + name + " has no value: initialise or load the model first");
    }
    return value;
  }

  void set(NDArray newValue) {
    if (!newValue.getShape().equals(shape)) {
      throw new IllegalArgumentException(
          "Invalid shape " + newValue.getShape() + " for parameter " + name + ": expected " + shape);
    }
    if (value != null && value != newValue) {
      value.close();
    }
    value = newValue;
  }
}
