package dev.memflux.core.stage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

class StageLifecycleTest {

  static final Duration WAIT = Duration.ofSeconds(5);

  /** Counts its closes. */
  static final class Item implements AutoCloseable {
    final int id;
    final AtomicInteger closes = new AtomicInteger();

    Item(int id) {
      this.id = id;
    }

    @Override
    public void close() {
      closes.incrementAndGet();
    }
  }

  /** Items 0, 1, ... counting how many were emitted, so reads ahead of demand show. */
  static final class Source {
    final AtomicLong emitted = new AtomicLong();
    final List<Item> items = new CopyOnWriteArrayList<>();

    Flux<Item> flux(int count) {
      return Flux.range(0, count)
          .map(
              i -> {
                Item item = new Item(i);
                items.add(item);
                emitted.incrementAndGet();
                return item;
              });
    }
  }

  @Test
  void endClosesWhatIsStillHeldAndNothingHandedOn() {
    StageLifecycle life = new StageLifecycle("test");
    Item kept = new Item(0);
    Item handedOn = new Item(1);
    life.arrived(kept);
    life.arrived(handedOn);
    life.handedOn(handedOn);
    assertThat(life.heldCount()).isOne();
    assertThat(life.end()).isNull();
    assertThat(kept.closes).hasValue(1);
    assertThat(handedOn.closes).hasValue(0);
  }

  @Test
  void anythingArrivingAfterTheEndIsClosedAtOnce() {
    StageLifecycle life = new StageLifecycle("test");
    life.end();
    Item late = new Item(0);
    assertThat(life.arrived(late)).isSameAs(late);
    assertThat(late.closes).hasValue(1);
    assertThat(life.heldCount()).isZero();
  }

  @Test
  void aFailingCloseIsReportedAndTheRestAreStillClosed() {
    StageLifecycle life = new StageLifecycle("test");
    Item other = new Item(0);
    life.arrived(
        () -> {
          throw new IllegalStateException("close failed");
        });
    life.arrived(other);
    assertThat(life.end()).hasMessage("close failed");
    assertThat(other.closes).hasValue(1);
  }

  /** A stage whose operator prefetches: concatMap asks for one as soon as it is subscribed. */
  static Flux<Item> prefetchingStage(Flux<Item> upstream) {
    return StageLifecycle.run(
        "prefetching",
        upstream,
        life -> life,
        (life, in) -> in.concatMap(Mono::just, 1),
        life -> {});
  }

  @Test
  void nothingIsReadBeforeTheStagesSubscriberRequestsIt() {
    Source source = new Source();
    StepVerifier.create(prefetchingStage(source.flux(10)), 0)
        .expectSubscription()
        .expectNoEvent(Duration.ofMillis(50))
        .then(() -> assertThat(source.emitted).hasValue(0))
        .thenRequest(3)
        .expectNextCount(3)
        .then(() -> assertThat(source.emitted).hasValue(3))
        .thenCancel()
        .verify(WAIT);
  }

  @Test
  void withoutTheGateTheSameOperatorReadsAheadOfDemand() {
    // the reason for the gate: concatMap(f, 1) alone reads one element nobody asked for
    Source source = new Source();
    StepVerifier.create(source.flux(10).concatMap(Mono::just, 1), 0)
        .expectSubscription()
        .expectNoEvent(Duration.ofMillis(50))
        .then(() -> assertThat(source.emitted).hasPositiveValue())
        .thenCancel()
        .verify(WAIT);
  }

  @Test
  void aStageThatDropsAnElementMayReadOneMoreWithinTheDemand() {
    Source source = new Source();
    Flux<Item> evensOnly =
        StageLifecycle.run(
            "evens",
            source.flux(10),
            life -> life,
            (life, in) ->
                in.concatMap(
                    item -> {
                      if (item.id % 2 == 1) {
                        life.dropped(item);
                        return Mono.empty();
                      }
                      return Mono.just(item);
                    },
                    1),
            life -> {});
    StepVerifier.create(evensOnly, 0)
        .thenRequest(2)
        .assertNext(i -> assertThat(i.id).isZero())
        .assertNext(i -> assertThat(i.id).isEqualTo(2))
        .then(() -> assertThat(source.emitted).hasValue(3))
        .thenCancel()
        .verify(WAIT);
    assertThat(source.items.get(1).closes).hasValue(1);
  }

  @Test
  void whatTheStageHoldsWhenCancelledIsClosedAndTheStateReleased() {
    Source source = new Source();
    Scheduler thread = Schedulers.newSingle("test-stage");
    AtomicInteger released = new AtomicInteger();
    Flux<Item> stage =
        StageLifecycle.run(
            "queued",
            source.flux(100),
            life -> thread,
            // item 2 is taken and never handed on: only the registry knows it
            (t, in) -> in.publishOn(t, 8).concatMap(i -> i.id == 2 ? Mono.never() : Mono.just(i)),
            t -> released.incrementAndGet());
    List<Item> received = new CopyOnWriteArrayList<>();
    StepVerifier.create(stage.doOnNext(received::add), 0)
        .thenRequest(8)
        .expectNextCount(2)
        .expectNoEvent(Duration.ofMillis(50))
        .thenCancel()
        .verify(WAIT);
    thread.dispose();
    assertThat(released).hasValue(1);
    assertThat(source.emitted.get()).as("read within the demand of 8").isEqualTo(8);
    // discard hooks and the registry may both close an item: closing twice is harmless
    for (Item item : source.items) {
      if (received.contains(item)) {
        assertThat(item.closes).as("item %d, received", item.id).hasValue(0);
      } else {
        assertThat(item.closes.get()).as("item %d, held", item.id).isPositive();
      }
    }
  }

  @Test
  void anUpstreamErrorClosesWhatTheStageHolds() {
    Item stuck = new Item(-1);
    Flux<Item> upstream =
        Flux.concat(Flux.just(stuck), Flux.error(new IllegalStateException("upstream")));
    Flux<Item> stage =
        StageLifecycle.run(
            "holding",
            upstream,
            life -> life,
            // the stage keeps its input and never hands it on
            (life, in) -> in.concatMap(i -> Mono.<Item>never()),
            life -> {});
    StepVerifier.create(stage).expectErrorMessage("upstream").verify(WAIT);
    assertThat(stuck.closes).hasValue(1);
  }
}
