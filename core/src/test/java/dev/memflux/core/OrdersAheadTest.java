package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OrdersAheadTest {

  private static final int ROWS = 1000;
  private static final Shuffle SHUFFLE = Shuffle.random(7);

  @Test
  void eachEpochGetsItsOwnOrderWhileTheNextIsComputedOnAnotherThread() throws Exception {
    ExecutorService thread = Executors.newSingleThreadExecutor();
    List<Runnable> ran = new ArrayList<>();
    try {
      OrdersAhead orders =
          new OrdersAhead(
              SHUFFLE,
              ROWS,
              5,
              task -> {
                ran.add(task);
                thread.execute(task);
              });
      for (long epoch = 0; epoch < 5; epoch++) {
        assertSameOrder(orders.order(epoch), epoch);
      }
      // Epochs 1 to 4 were each started ahead; nothing past the last epoch.
      assertThat(ran).hasSize(4);
    } finally {
      thread.shutdown();
      assertThat(thread.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void aComputationThatHasNotStartedIsNotWaitedFor() {
    // Tasks queue up and never run, as behind a busy gather thread that is the caller itself:
    // waiting would never end, so the epoch computes its order and the queued task does nothing.
    Queue<Runnable> queued = new ArrayDeque<>();
    OrdersAhead orders = new OrdersAhead(SHUFFLE, ROWS, 3, queued::add);
    assertSameOrder(orders.order(0), 0);
    assertSameOrder(orders.order(1), 1);
    assertThat(queued).hasSize(2);
    queued.forEach(Runnable::run); // the first was abandoned; the second computes epoch 2
    assertSameOrder(orders.order(2), 2);
  }

  @Test
  void refusedOrClosedThreadsLeaveEachEpochToComputeItsOwn() {
    OrdersAhead refused =
        new OrdersAhead(
            SHUFFLE,
            ROWS,
            3,
            task -> {
              throw new RejectedExecutionException("released");
            });
    for (long epoch = 0; epoch < 3; epoch++) {
      assertSameOrder(refused.order(epoch), epoch);
    }

    Queue<Runnable> queued = new ArrayDeque<>();
    OrdersAhead closed = new OrdersAhead(SHUFFLE, ROWS, 3, queued::add);
    closed.order(0);
    closed.close();
    closed.order(1);
    assertThat(queued).as("nothing started after close").hasSize(1);
    queued.forEach(Runnable::run);
    assertSameOrder(closed.order(2), 2);
  }

  private static void assertSameOrder(SampleOrder order, long epoch) {
    SampleOrder expected = SHUFFLE.order(ROWS, epoch);
    long[] actual = new long[ROWS];
    long[] wanted = new long[ROWS];
    for (int p = 0; p < ROWS; p++) {
      actual[p] = order.rowAt(p);
      wanted[p] = expected.rowAt(p);
    }
    assertThat(actual).as("epoch %d", epoch).containsExactly(wanted);
  }
}
