package dev.memflux.core.tune;

/** Turns a knob as a tuner would, for tests of the stages that read it while running. */
public final class KnobTurner {

  private KnobTurner() {}

  /** Sets {@code knob} to {@code value}, which must be within its range. */
  public static void turn(Knob knob, int value) {
    knob.set(value);
  }
}
