package dev.memflux.core;

import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

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
  private final @Nullable AccessGuard parent;
  private final AtomicInteger state = new AtomicInteger();

  /**
   * @param name what is guarded, as messages name it (a path)
   * @param release frees the resource; runs once, on the thread that closes or leaves last
   */
  AccessGuard(Object name, Runnable release) {
    this(name, release, null);
  }

  /**
   * A guard whose accesses are also accesses of {@code parent}'s resource (a view reads its array's
   * mapping): an access fails when either is closed, and neither is released under it.
   *
   * @param parent the guard of what this resource reads through, or null
   */
  AccessGuard(Object name, Runnable release, @Nullable AccessGuard parent) {
    this.name = name;
    this.release = release;
    this.parent = parent;
  }

  /**
   * Starts an access.
   *
   * @throws IllegalStateException naming the resource (or the one it reads through) when it is
   *     closed
   */
  void enter() {
    int s;
    do {
      s = state.get();
      if (s < 0) {
        throw new IllegalStateException(name + " is closed");
      }
    } while (!state.compareAndSet(s, s + 1));
    if (parent != null) {
      try {
        parent.enter();
      } catch (RuntimeException | Error e) {
        leaveSelf();
        throw e;
      }
    }
  }

  /** Ends an access started by {@link #enter()}. */
  void leave() {
    if (parent != null) {
      parent.leave();
    }
    leaveSelf();
  }

  private void leaveSelf() {
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

  /** Whether {@link #close()} has not been called, on this guard or the one it reads through. */
  boolean isOpen() {
    return state.get() >= 0 && (parent == null || parent.isOpen());
  }
}
