package dev.memflux.samples.bench;

/**
 * How much work each measurement of {@code memflux bench} does: the quick mode (under 2 minutes on
 * a 2-core machine) or the full one (under 10), and a scale that shrinks the data sets and every
 * per-repetition amount, for a fast test of the command itself.
 *
 * @param quick fewer repetitions and less data per repetition
 * @param scale fraction of the full data set rows and per-repetition work, in (0, 1]
 */
record BenchSettings(boolean quick, double scale) {

  /** Checks the scale. */
  BenchSettings {
    if (!(scale > 0 && scale <= 1)) {
      throw new IllegalArgumentException("--scale must be in (0, 1], was " + scale);
    }
  }

  /** Timed repetitions per configuration; the median is reported. */
  int reps() {
    return quick ? 3 : 5;
  }

  /**
   * Untimed repetitions (or epochs, or training rounds) before the timed ones: JIT compilation,
   * first page faults, buffer-pool allocation.
   */
  int warmups() {
    return 1;
  }

  /**
   * Untimed training rounds before the timed ones. Training warms up longer than a loader: in quick
   * runs every way of feeding still ran 10-40% off its later rate in its second round (JIT, the
   * training thread's malloc arena, PyTorch's caches), and memflux's data wait was 1-3 times its
   * steady value there.
   */
  int trainWarmups() {
    return 2;
  }

  /** Samples per loader and augmentation batch (training uses {@code memflux train}'s). */
  int batchSize() {
    return 256;
  }

  /** Bytes of images the loader reads per timed epoch, at least: small files get more epochs. */
  long loaderBytesPerRep() {
    return Math.max(1, (long) ((quick ? 1e9 : 2e9) * scale));
  }

  /**
   * Loader epochs timed together as one repetition, for a data set whose epoch reads {@code
   * epochBytes} of images: enough for {@link #loaderBytesPerRep()}, so that a small file's figure
   * is not a few milliseconds of one epoch, where a scheduler hiccup weighs as much as the work.
   */
  int loaderEpochsPerRep(long epochBytes) {
    long forBytes = (loaderBytesPerRep() + epochBytes - 1) / Math.max(1, epochBytes);
    return (int) Math.max(1, Math.min(quick ? 20 : 40, forBytes));
  }

  /** Bytes each memory-copy repetition copies (one block). */
  int memcpyBytes() {
    return Math.max(1 << 16, (int) ((quick ? 256 << 20 : 1 << 30) * scale));
  }

  /** Batches of each timed augmentation epoch (one shard of {@code dataset}). */
  int augmentBatches(BenchDataset dataset) {
    int full = dataset == BenchDataset.FMNIST ? 60 : 40;
    return scaled(quick ? full : 3 * full);
  }

  /**
   * Batches each timed training round trains on, per model of {@code memflux train} ({@code mlp} or
   * {@code cnn}): the same for every feeding way. Rounds of about a second on two cores.
   */
  int trainBatches(String model) {
    // At most an epoch of Fashion-MNIST (468 full batches of 128): a round is one shard's epoch.
    int batches = model.equals("mlp") ? (quick ? 150 : 300) : (quick ? 12 : 30);
    return scaled(batches);
  }

  /** Rows of a data set at this scale. */
  long rows(BenchDataset dataset) {
    return Math.max(batchSize() + 1, Math.round(dataset.rows() * scale));
  }

  private int scaled(int count) {
    return Math.max(2, (int) Math.round(count * scale));
  }
}
