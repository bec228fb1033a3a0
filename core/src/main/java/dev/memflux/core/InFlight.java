package dev.memflux.core;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The batches (or other resources) a pipeline stage holds between two hand-offs, closed together
 * when the stage stops. The augment and train stages use it; {@code T} is usually {@link Batch}.
 *
 * <p>Reactor's discard hooks are the first line of release, but some queueing operators of
 * reactor-core 3.8 drop elements without calling them (publishOn when a cancel races its drain,
 * reactor-core#4396). Every batch a stage takes on is therefore also registered here until it is
 * handed on or closed, and {@link #closeAll()} releases whatever a Reactor queue lost. Closing a
 * batch twice is harmless, so the two mechanisms never conflict.
 *
 * <p>After {@link #closeAll()} the registry is sealed: anything added later (an element that was in
 * flight when the stage stopped) is closed at once.
 */
public final class InFlight<T extends AutoCloseable> {

  private final Map<T, Boolean> items = new IdentityHashMap<>();
  private boolean sealed;

  /** Registers {@code item}; closes it at once if the registry is already sealed. */
  public void add(T item) {
    synchronized (this) {
      if (!sealed) {
        items.put(item, Boolean.TRUE);
        return;
      }
    }
    closeQuietly(item);
  }

  /** Forgets {@code item}: it was handed on to an owner that closes it. */
  public synchronized void remove(T item) {
    items.remove(item);
  }

  /**
   * Seals the registry and closes every item still in it. Call it only from the thread that would
   * otherwise be using the items, after it has finished with them.
   *
   * @return the first failure while closing, or {@code null}
   */
  public Throwable closeAll() {
    List<T> left;
    synchronized (this) {
      sealed = true;
      left = new ArrayList<>(items.keySet());
      items.clear();
    }
    Throwable first = null;
    for (T item : left) {
      Throwable t = closeQuietly(item);
      if (first == null) {
        first = t;
      }
    }
    return first;
  }

  /** Closes {@code item} without throwing, so cleanup goes on; returns what it threw, or null. */
  private static Throwable closeQuietly(AutoCloseable item) {
    try {
      item.close();
      return null;
    } catch (Exception | LinkageError e) {
      return e;
    }
  }
}
