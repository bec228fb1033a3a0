package dev.memflux.samples.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.translate.TranslateException;
import ai.djl.util.Progress;
import java.io.IOException;
import java.util.Iterator;
import java.util.concurrent.ExecutorService;

/**
 * A DJL {@link Dataset} that delegates everything and adds up the time its batch iterators spend in
 * {@code hasNext} and {@code next}: the time {@code EasyTrain.fit}'s loop waits for data.
 */
final class TimedDataset implements Dataset {

  private final Dataset dataset;
  private long waitNanos;
  private long batchCount;
  private long sampleCount;

  TimedDataset(Dataset dataset) {
    this.dataset = dataset;
  }

  /** Seconds spent waiting for batches so far, on the training thread. */
  double waitSeconds() {
    return waitNanos / 1e9;
  }

  /** Batches handed out so far. */
  long batches() {
    return batchCount;
  }

  /** Samples in the batches handed out so far. */
  long samples() {
    return sampleCount;
  }

  @Override
  public Iterable<Batch> getData(NDManager manager) throws IOException, TranslateException {
    return timed(dataset.getData(manager));
  }

  @Override
  public Iterable<Batch> getData(NDManager manager, ExecutorService executor)
      throws IOException, TranslateException {
    return timed(dataset.getData(manager, executor));
  }

  @Override
  public void prepare(Progress progress) throws IOException, TranslateException {
    dataset.prepare(progress);
  }

  private Iterable<Batch> timed(Iterable<Batch> batches) {
    return () -> {
      Iterator<Batch> it = batches.iterator();
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          long start = System.nanoTime();
          try {
            return it.hasNext();
          } finally {
            waitNanos += System.nanoTime() - start;
          }
        }

        @Override
        public Batch next() {
          long start = System.nanoTime();
          try {
            Batch b = it.next();
            batchCount++;
            sampleCount += b.getSize();
            return b;
          } finally {
            waitNanos += System.nanoTime() - start;
          }
        }
      };
    };
  }
}
