package dev.memflux.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.Batchifier;
import dev.memflux.core.LoaderState;
import java.util.AbstractList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A DJL batch made from a host {@link dev.memflux.core.Batch}, remembering where it came from
 * (epoch, position, loader state) after the host batch itself may have been closed.
 *
 * <p>Closing it closes its {@link NDManager}, which frees the tensors and, where they alias the
 * host batch's pooled buffers, closes the host batch too. Unlike DJL's own batch, closing twice is
 * harmless, so a discard hook and an owner may both close it.
 */
final class TensorBatch extends ai.djl.training.dataset.Batch {

  private final long epoch;
  private final long sequence;
  private final LoaderState state;
  private final AtomicBoolean closed = new AtomicBoolean();

  TensorBatch(NDManager manager, NDList data, NDList labels, dev.memflux.core.Batch host) {
    super(
        manager,
        data,
        labels,
        host.size(),
        Batchifier.STACK,
        Batchifier.STACK,
        host.sequence(),
        0,
        new SampleIds(host.indices()));
    this.epoch = host.epoch();
    this.sequence = host.sequence();
    this.state = host.state();
  }

  /** The epoch of the host batch. */
  long epoch() {
    return epoch;
  }

  /** The host batch's position within its epoch. */
  long sequence() {
    return sequence;
  }

  /** The loader state just after the host batch: where training resumes once this one is done. */
  LoaderState state() {
    return state;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      super.close();
    }
  }

  /** The sample ids as DJL's {@code getIndices()} list, boxed only when someone reads them. */
  private static final class SampleIds extends AbstractList<Long> {
    private final long[] ids;

    SampleIds(long[] ids) {
      this.ids = ids;
    }

    @Override
    public Long get(int i) {
      return ids[i];
    }

    @Override
    public int size() {
      return ids.length;
    }
  }
}
