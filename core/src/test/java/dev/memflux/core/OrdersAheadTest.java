package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Orders are computed by a counting stand-in for the shuffle, so each test sees which epochs were
 * computed, how often and on which thread; a wait that should not happen fails by timeout.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OrdersAheadTest {

  private final Map<Long, Integer> computed = new ConcurrentHashMap<>();
  private final Map<Long, String> computedOn = new ConcurrentHashMap<>();
  private final ExecutorService other = Executors.newSingleThreadExecutor();
  private String testThread;

  /** The order of epoch e maps every position to e, so a wrong epoch's order shows. */
  @SuppressWarnings("UnnecessaryLambda") // handed as is to every OrdersAhead under test
  private final LongFunction<SampleOrder> compute =
      epoch -> {
        computed.merge(epoch, 1, Integer::sum);
        computedOn.put(epoch, Thread.currentThread().getName());
        return position -> epoch;
      };

  @AfterEach
  void stop() throws InterruptedException {
    other.shutdownNow();
    assertThat(other.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void eachEpochAfterTheFirstIsComputedOnceOnAnotherThread() throws Exception {
    OrdersAhead orders = new OrdersAhead(compute, 4, other);
    for (long epoch = 0; epoch < 4; epoch++) {
      assertThat(orders.order(epoch).rowAt(0)).isEqualTo(epoch);
      drainOther();
    }
    assertThat(computed)
        .containsOnlyKeys(0L, 1L, 2L, 3L)
        .allSatisfy((e, n) -> assertThat(n).isOne());
    String test = Thread.currentThread().getName();
    assertThat(computedOn.get(0L)).isEqualTo(test);
    for (long epoch = 1; epoch < 4; epoch++) {
      assertThat(computedOn.get(epoch)).isNotEqualTo(test);
    }
  }

  @Test
  void aComputationAlreadyRunningIsWaitedForNotRepeated() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    LongFunction<SampleOrder> slow =
        epoch -> {
          if (epoch == 1) {
            started.countDown();
            await(release);
          }
          return compute.apply(epoch);
        };
    OrdersAhead orders = new OrdersAhead(slow, 2, other);
    orders.order(0);
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
    Thread releaser =
        new Thread(
            () -> {
              sleep(100);
              release.countDown();
            });
    releaser.start();
    // Epoch 1's computation is running: taking its order waits for it.
    assertThat(orders.order(1).rowAt(0)).isEqualTo(1);
    releaser.join();
    assertThat(computed.get(1L)).isOne();
    assertThat(computedOn.get(1L)).isNotEqualTo(Thread.currentThread().getName());
  }

  @Test
  void aComputationThatHasNotStartedIsNotWaitedForAndNeverRuns() {
    // Tasks queue up and never run, as behind a busy gather thread that is the caller itself.
    Queue<Runnable> queued = new ArrayDeque<>();
    OrdersAhead orders = new OrdersAhead(compute, 3, queued::add);
    orders.order(0);
    assertThat(orders.order(1).rowAt(0)).isEqualTo(1);
    assertThat(queued).hasSize(2); // epochs 1 and 2
    queued.poll().run(); // epoch 1's, abandoned when epoch 1 computed its own
    assertThat(computed.get(1L)).isOne();
    assertThat(computedOn.get(1L)).isEqualTo(Thread.currentThread().getName());
  }

  @Test
  void closingAbandonsAQueuedComputationAndStartsNoMore() {
    Queue<Runnable> queued = new ArrayDeque<>();
    OrdersAhead orders = new OrdersAhead(compute, 3, queued::add);
    orders.order(0);
    orders.close();
    queued.forEach(Runnable::run);
    assertThat(computed).containsOnlyKeys(0L);
    orders.order(1);
    assertThat(queued).as("nothing started after close").hasSize(1);
  }

  @Test
  void refusedOrFailedComputationsLeaveTheEpochToComputeItsOwn() throws Exception {
    OrdersAhead refused =
        new OrdersAhead(
            compute,
            3,
            task -> {
              throw new RejectedExecutionException("released");
            });
    for (long epoch = 0; epoch < 3; epoch++) {
      assertThat(refused.order(epoch).rowAt(0)).isEqualTo(epoch);
    }

    computed.clear();
    LongFunction<SampleOrder> failingAhead =
        epoch -> {
          if (!Thread.currentThread().getName().equals(testThread)) {
            throw new IllegalStateException("out of memory, say");
          }
          return compute.apply(epoch);
        };
    testThread = Thread.currentThread().getName();
    OrdersAhead failing = new OrdersAhead(failingAhead, 2, other);
    failing.order(0);
    drainOther();
    assertThat(failing.order(1).rowAt(0)).isEqualTo(1);
    assertThat(computed.get(1L)).isOne();
  }

  /** Waits until every task given to the other thread so far has run. */
  private void drainOther() throws Exception {
    other.submit(() -> {}).get(5, TimeUnit.SECONDS);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
