package dev.memflux.core.stage;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.memflux.core.Batch;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * Stage SPI: how one subscription of a batch stage owns what it holds. Every memflux stage
 * (augment, tensors, training) and a stage of your own use it the same way: register each element
 * on arrival, forget it when it is handed on, close whatever is still held when the subscription
 * ends (complete, error or cancel), and close what Reactor discards.
 *
 * <pre>{@code
 * // A stage that brightens field 0 on a thread of its own, one batch ahead:
 * public Flux<Batch> apply(Flux<Batch> batches) {
 *   return StageLifecycle.run(
 *       "brighten",
 *       batches,
 *       life -> Schedulers.newSingle("brighten", true),
 *       (thread, in) -> in.publishOn(thread, 1).map(Brighten::inPlace),
 *       Scheduler::dispose);
 * }
 * }</pre>
 *
 * <p>Why a registry on top of discard hooks: Reactor's discard hooks are the first line of release,
 * but some operators of reactor-core 3.8 drop elements without calling them ({@code publishOn} when
 * a cancel races its drain, <a href="https://github.com/reactor/reactor-core/issues/4396">
 * reactor-core#4396</a>; {@code flatMapSequential} and {@code parallel()} on cancel, <a
 * href="https://github.com/reactor/reactor-core/issues/4379">reactor-core#4379</a>; a {@code Mono}
 * holding its value for lack of demand when cancelled). What the stage still holds when it ends is
 * therefore closed from the registry; closing twice is harmless, so the two never conflict. After
 * the end the registry is sealed: an element arriving later (one in flight when the stage stopped)
 * is closed at once. What a stage's subscriber drops after the hand-off is the subscriber's: the
 * buffer pool's Cleaner reclaims it, and the first such batch logs a warning naming the stage that
 * handed it on.
 *
 * <p>Demand: {@link #run} lets the stage's operators read upstream only inside the demand its own
 * subscriber gave. A stage may look ahead (gather the next batch while this one is processed), but
 * nothing is read before it is requested. A stage that consumes an element without handing anything
 * on (a filter) calls {@link #dropped} so one more may be read.
 */
public final class StageLifecycle {

  private final String stage;
  private final DemandGate gate = new DemandGate();
  private final Set<AutoCloseable> held = Collections.newSetFromMap(new IdentityHashMap<>());
  private boolean ended;

  /**
   * A lifecycle for one subscription of the stage named {@code stage}; {@link #run} makes one per
   * subscription, so only a stage that is not a {@code Flux} operator (a subscriber such as the
   * trainer) makes its own.
   */
  public StageLifecycle(String stage) {
    this.stage = Objects.requireNonNull(stage, "stage");
  }

  /**
   * One subscription of a stage: makes its state with {@code open} (threads, scratch; given this
   * subscription's lifecycle), applies {@code operators} to the upstream elements, each registered
   * as it arrives, hands each output on as it leaves, and on every termination closes what the
   * stage still holds and then calls {@code close} on the state. Upstream is read only inside the
   * demand of the stage's subscriber, and every {@link AutoCloseable} that Reactor discards in
   * these operators (or upstream of them) is closed.
   *
   * @param stage the stage name, used in warnings and by {@link Batches#handedOnBy}
   * @param upstream the elements the stage receives
   * @param open makes the per-subscription state
   * @param operators the stage's work, from registered inputs to outputs; an input it transforms is
   *     {@link #handedOn} (or closed) by the operators, and an output made asynchronously is
   *     registered with {@link #arrived} until it leaves
   * @param close releases the state (threads) after everything held was closed
   * @return the stage's output, cold: each subscription gets its own state
   */
  public static <S, I extends AutoCloseable, O extends AutoCloseable> Flux<O> run(
      String stage,
      Flux<I> upstream,
      Function<StageLifecycle, S> open,
      BiFunction<S, Flux<I>, Flux<O>> operators,
      Consumer<? super S> close) {
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(open, "open");
    Objects.requireNonNull(operators, "operators");
    Objects.requireNonNull(close, "close");
    return Flux.defer(
            () -> {
              StageLifecycle life = new StageLifecycle(stage);
              return Flux.<O, S>using(
                      () -> open.apply(life),
                      state ->
                          operators
                              .apply(state, life.gate.upstream(upstream).doOnNext(life::arrived))
                              .doOnNext(life::handedOn)
                              .transform(life.gate::downstream),
                      state -> {
                        try {
                          life.end();
                        } finally {
                          close.accept(state);
                        }
                      })
                  // The hook goes after the stage's operators: it reaches them and everything
                  // above.
                  .doOnDiscard(AutoCloseable.class, StageLifecycle::closeQuietly);
            })
        .name("memflux." + stage)
        .tag("stage", stage);
  }

  /** The stage's name. */
  public String stage() {
    return stage;
  }

  /**
   * Registers {@code item} as held by the stage; closes it at once if the stage has ended.
   *
   * @return {@code item}
   */
  @CanIgnoreReturnValue
  public <T extends AutoCloseable> T arrived(T item) {
    synchronized (this) {
      if (!ended) {
        held.add(item);
        return item;
      }
    }
    closeQuietly(item);
    return item;
  }

  /**
   * Forgets {@code item}: it was handed on to an owner that closes it. A {@link Batch} records this
   * stage as the one that handed it on.
   *
   * @return {@code item}
   */
  @CanIgnoreReturnValue
  public <T extends AutoCloseable> T handedOn(T item) {
    synchronized (this) {
      held.remove(item);
    }
    if (item instanceof Batch b) {
      Batches.handedOnBy(b, stage);
    }
    return item;
  }

  /**
   * The stage consumed {@code item} without handing anything on (filtered it out): closes it,
   * forgets it, and lets one more element be read within the demand.
   */
  public void dropped(AutoCloseable item) {
    synchronized (this) {
      held.remove(item);
    }
    closeQuietly(item);
    gate.allow(1);
  }

  /** How many elements the stage holds now. */
  public synchronized int heldCount() {
    return held.size();
  }

  /**
   * Ends the stage: seals the registry and closes every element still in it. Call it from the
   * thread that would otherwise be using them, once it has finished with them; {@link #run} calls
   * it on every termination.
   *
   * @return the first failure while closing, or {@code null}
   */
  @CanIgnoreReturnValue
  public @Nullable Throwable end() {
    List<AutoCloseable> left;
    synchronized (this) {
      ended = true;
      left = new ArrayList<>(held);
      held.clear();
    }
    @Nullable Throwable first = null;
    for (AutoCloseable item : left) {
      Throwable t = closeQuietly(item);
      if (first == null) {
        first = t;
      }
    }
    return first;
  }

  /** Closes {@code item} without throwing, so cleanup goes on; returns what it threw, or null. */
  @CanIgnoreReturnValue
  static @Nullable Throwable closeQuietly(AutoCloseable item) {
    try {
      item.close();
      return null;
    } catch (Exception | LinkageError e) {
      return e;
    }
  }
}
