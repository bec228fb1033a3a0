package dev.memflux.core.stage;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Holds a stage's requests upstream within what its own subscriber has requested. Reactor's
 * prefetching operators ({@code concatMap(f, 1)}, {@code publishOn(s, n)}) ask upstream for their
 * prefetch as soon as they are subscribed, before anyone downstream asked for anything, so a stage
 * built from them reads ahead of demand. Between the stage's operators and its upstream the gate
 * passes on at most what the stage's subscriber has requested (plus one for each element the stage
 * consumed without handing anything on): the stage still looks ahead, but only inside that demand.
 *
 * <p>One gate per subscription. Requests upstream are issued serially (Reactive Streams 2.7).
 */
final class DemandGate {

  private final AtomicInteger wip = new AtomicInteger();
  private @Nullable Subscription upstream;
  // Both guarded by this: requested downstream (plus dropped) and not yet passed upstream; asked
  // for by the stage's operators and not yet passed upstream.
  private long allowed;
  private long wanted;

  /** {@code source} with the stage's requests to it held within the demand. */
  <T> Flux<T> upstream(Flux<T> source) {
    Function<? super Publisher<T>, ? extends Publisher<T>> gated =
        Operators.<T, T>lift((scannable, actual) -> new Gated<>(actual, this));
    // hide(): a fuseable source would make the lifted operator fuseable, and the operators after it
    // would then poll the source directly, around the gate
    return Flux.from(gated.apply(source.hide()));
  }

  /** {@code stage} with its subscriber's requests counted as the demand the gate allows. */
  <T> Flux<T> downstream(Flux<T> stage) {
    return stage.doOnRequest(this::allow);
  }

  /** Allows {@code n} more elements upstream. */
  void allow(long n) {
    synchronized (this) {
      allowed = Operators.addCap(allowed, n);
    }
    drain();
  }

  private void want(long n) {
    synchronized (this) {
      wanted = Operators.addCap(wanted, n);
    }
    drain();
  }

  private void subscribed(Subscription s) {
    synchronized (this) {
      upstream = s;
    }
    drain();
  }

  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    do {
      @Nullable Subscription s;
      long n;
      synchronized (this) {
        s = upstream;
        n = s == null ? 0 : Math.min(allowed, wanted);
        if (n > 0) {
          allowed = allowed == Long.MAX_VALUE ? allowed : allowed - n;
          wanted = wanted == Long.MAX_VALUE ? wanted : wanted - n;
        }
      }
      if (s != null && n > 0) {
        s.request(n);
      }
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  /**
   * Sits between the stage's first operator and the upstream, routing its requests via the gate.
   */
  private static final class Gated<T> implements CoreSubscriber<T>, Subscription {
    private final CoreSubscriber<? super T> actual;
    private final DemandGate gate;
    private @Nullable Subscription s; // set once, by onSubscribe, before anything can cancel

    Gated(CoreSubscriber<? super T> actual, DemandGate gate) {
      this.actual = actual;
      this.gate = gate;
    }

    @Override
    public Context currentContext() {
      // the discard hooks downstream must reach the operators upstream of the gate
      return actual.currentContext();
    }

    @Override
    public void onSubscribe(Subscription s) {
      if (Operators.validate(this.s, s)) {
        this.s = s;
        actual.onSubscribe(this);
        gate.subscribed(s);
      }
    }

    @Override
    public void onNext(T t) {
      actual.onNext(t);
    }

    @Override
    public void onError(Throwable t) {
      actual.onError(t);
    }

    @Override
    public void onComplete() {
      actual.onComplete();
    }

    @Override
    public void request(long n) {
      if (Operators.validate(n)) {
        gate.want(n);
      }
    }

    @Override
    public void cancel() {
      Subscription upstream = s;
      if (upstream != null) {
        upstream.cancel();
      }
    }
  }
}
