package dev.memflux.core;

/**
 * The order in which one epoch visits the rows: a bijection from position to row id on {@code [0,
 * rows)}. Implementations may cache (one per epoch, used by one thread).
 */
interface SampleOrder {

  /** The row id visited at {@code position}. */
  long rowAt(long position);
}
