package dev.memflux.core.tune;

/**
 * The model a {@link Tuner} predicts the consumer's data wait with, after tf.data's autotuning
 * model ({@code tensorflow/core/framework/model.cc}): a chain of stages, each producing a batch
 * every {@code work / threads} seconds once its input is there, each handing batches to the next
 * through a bounded buffer, the last to a consumer taking one every {@code consumer} seconds. A
 * buffer between a producer and a consumer is an M/M/1/K queue: the consumer waits when it finds
 * the buffer empty, for a production time.
 */
final class WaitModel {

  private WaitModel() {}

  /**
   * The expected wait per item of a consumer taking an item every {@code consumer} seconds from a
   * buffer of {@code capacity} items that a producer fills one every {@code producer} seconds, both
   * times exponentially distributed: the probability that the buffer is empty times a production
   * time. A producer slower than the consumer makes it wait about the difference; a faster one
   * makes the wait vanish geometrically with the capacity.
   */
  static double bufferWait(double producer, double consumer, int capacity) {
    if (producer <= 0) {
      return 0;
    }
    if (consumer <= 0) {
      return producer;
    }
    double empty;
    if (producer == consumer) {
      empty = 1.0 / (capacity + 1);
    } else if (producer < consumer) {
      double r = producer / consumer;
      double rn = Math.pow(r, capacity);
      empty = rn * (1 - r) / (1 - rn * r);
    } else {
      double r = consumer / producer;
      empty = (1 - r) / (1 - Math.pow(r, capacity + 1));
    }
    return empty * producer;
  }

  /**
   * The time from the last producer's point of view between two batches it can hand on: its own
   * time per batch plus what it waits for its input, stage by stage from the first.
   *
   * @param work per producer, upstream first: its busy time per batch, all threads together
   * @param threads per producer: the threads its work divides among
   * @param buffers per producer: the batches it may hold ready for the next stage
   * @param jitter how much longer than measured production takes, at least 1 (see {@link Tuner})
   */
  static double producerInterval(double[] work, int[] threads, int[] buffers, double jitter) {
    double interval = 0;
    for (int i = 0; i < work.length; i++) {
      double own = jitter * work[i] / threads[i];
      interval = i == 0 ? own : own + bufferWait(interval, own, buffers[i - 1]);
    }
    return interval;
  }

  /**
   * The consumer's expected data wait per batch: its wait on the last producer's buffer ({@code
   * consumerBuffer}, the batches it asks for ahead), which that producer fills at {@link
   * #producerInterval}.
   */
  static double consumerWait(
      double[] work,
      int[] threads,
      int[] buffers,
      double consumer,
      int consumerBuffer,
      double jitter) {
    if (work.length == 0) {
      return 0;
    }
    return bufferWait(producerInterval(work, threads, buffers, jitter), consumer, consumerBuffer);
  }
}
