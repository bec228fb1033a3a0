package dev.memflux.core;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Guards a resource that many threads read against use after close, the role Lucene's {@code
 * ByteBufferGuard} plays for its mappings: every access runs between {@link #enter()} and {@link
 * #leave()}; {@link #close()} makes new accesses throw, and the resource is released exactly once,
 * as soon as no access is in progress. A mapping released under a reader would crash the JVM.
 */
final class AccessGuard {

  /** Sign bit of {@link #state}: set once closed. The low bits count accesses in progress. */
  private static final int CLOSED = Integer.MIN_VALUE;

  private final Object name;
  private final Runnable release;
  private final AtomicInteger state = new AtomicInteger();

  /**
   * @param name what is guarded, as messages name it (a path)
   * @param release frees the resource; runs once, on the thread that closes or leaves last
   */
  AccessGuard(Object name, Runnable release) {
    this.name = name;
    this.release = release;
  }

  /**
   * Starts an access.
   *
   * @throws IllegalStateException naming the resource when it is closed
   */
  void enter() {
    int s;
    do {
      s = state.get();
      if (s < 0) {
        throw new IllegalStateException(name + " is closed");
      }
    } while (!state.compareAndSet(s, s + 1));
  }

  /** Ends an access started by {@link #enter()}. */
  void leave() {
    // Only the last access out after close sees exactly CLOSED, so the release happens once.
    if (state.decrementAndGet() == CLOSED) {
      release.run();
    }
  }

  /** Closes: at once when no access is in progress, else when the last one leaves. Idempotent. */
  void close() {
    int s;
    do {
      s = state.get();
      if (s < 0) {
        return;
      }
    } while (!state.compareAndSet(s, s | CLOSED));
    if (s == 0) {
      release.run();
    }
  }

  /** Whether {@link #close()} has not been called. */
  boolean isOpen() {
    return state.get() >= 0;
  }
}
