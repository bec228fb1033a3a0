package dev.memflux.augment;

import dev.memflux.core.Batch;
import dev.memflux.core.BufferPool;
import dev.memflux.core.stage.StageLifecycle;
import dev.memflux.core.stage.StageMeter;
import dev.memflux.core.tune.Knob;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import reactor.core.publisher.Flux;

/**
 * A parallel, ordered, reproducible augmentation stage for image batches: an immutable description
 * of per-sample ops, applied with {@link Flux#transform}.
 *
 * <pre>{@code
 * Augment augment = Augment.images(ImageLayout.CHW)
 *     .toFloat(1 / 255f)                 // uint8 -> float32 in [0, 1]
 *     .horizontalFlip(0.5)
 *     .rotate(15)                        // angle uniform in [-15, 15] degrees
 *     .normalize(new float[] {0.5f}, new float[] {0.25f})
 *     .seed(7)
 *     .parallelism(2);
 * Flux<Batch> augmented = loader.batches().transform(augment);
 * }</pre>
 *
 * <p><b>Fields.</b> Ops apply to field 0 unless scoped with {@link #fields(int...)}; other fields
 * (labels) pass through untouched. An image row is {@code (C, H, W)} or {@code (H, W)} for {@link
 * ImageLayout#CHW}, {@code (H, W, C)} for {@link ImageLayout#HWC}. Ops compute in float: on an
 * integer field without {@link #toFloat(float)} the result is rounded (half up) and clamped back to
 * the field's type. {@code toFloat} makes the field float32, so the stage then writes into buffers
 * of the new size from its own {@link #bufferPool()}; otherwise it works in place.
 *
 * <p><b>Pixel moves.</b> Flips, {@code randomCrop} and nearest rotation only move pixels; a run of
 * them is composed into one map and the image resampled once (more often only for a second rotation
 * and a few such cases, see the README), with exactly the values the ops would give one by one.
 *
 * <p><b>Reproducibility.</b> The draws of op number {@code k} on a sample are a pure function of
 * (seed, epoch, sample id, k): output bytes are the same for any parallelism, thread timing or
 * resume point, differ between epochs, and adding an op at the end does not change the draws of the
 * others. An op scoped to several fields draws the same values for each, so an image and its mask
 * flip together.
 *
 * <p><b>Threads and memory.</b> Each subscription gets its own {@code memflux-augment} parallel
 * scheduler of {@link #parallelism(int)} threads, disposed when the subscription terminates. Unless
 * set, parallelism is a {@link dev.memflux.core.tune.Knob knob} on the {@link #meter()} that a
 * tuner ({@code Training.fit} runs one) may change between batches, from 1 to the available
 * processors (the scheduler has that many, started as used). The threads share out a batch's rows
 * in small blocks; batches go through one at a time, in order. Nothing is read before it is
 * requested: the stage looks ahead only inside its subscriber's demand (with two batches requested,
 * the second is gathered while the first is augmented), and holds at most one augmented batch and
 * one waiting. Every batch is closed on every path (cancel, op error, downstream error), through
 * the stage SPI's {@link StageLifecycle}.
 *
 * <p><b>Accounting.</b> Each {@code Augment} instance (each fluent call returns a new one, with
 * fresh accounting) owns a {@link #meter()}, a {@link #skipped()} count and a {@link
 * #bufferPool()}, shared by every Flux it transforms; use one instance per pipeline to read them
 * per pipeline.
 */
public final class Augment implements Function<Flux<Batch>, Flux<Batch>> {

  // Idle output buffers kept per size: enough for the batches in flight between this stage and a
  // consumer that holds a few, without pinning much memory once the stream stops.
  private static final int IDLE_BUFFERS = 8;

  private final ImageLayout layout;
  private final List<Step> steps;
  private final int[] scope;
  private final long seed;
  private final int parallelism; // 0: not set, a tuner may choose
  private final ErrorPolicy errorPolicy;
  private final Knob threads;
  private final StageMeter meter;
  private final BufferPool pool = new BufferPool(IDLE_BUFFERS);
  private final SkipLog skips = new SkipLog();

  private Augment(
      ImageLayout layout,
      List<Step> steps,
      int[] scope,
      long seed,
      int parallelism,
      ErrorPolicy errorPolicy) {
    this.layout = layout;
    this.steps = steps;
    this.scope = scope;
    this.seed = seed;
    this.parallelism = parallelism;
    this.errorPolicy = errorPolicy;
    int cpus = Math.max(1, Runtime.getRuntime().availableProcessors());
    this.threads =
        parallelism > 0
            ? Knob.fixed("parallelism", Knob.Kind.THREADS, parallelism)
            : Knob.tunable("parallelism", Knob.Kind.THREADS, cpus, 1, cpus);
    this.meter = new StageMeter("augment", threads.value(), threads);
  }

  /**
   * An empty stage for image fields of the given layout, with seed 0, one thread per available
   * processor, ops on field 0 and {@link ErrorPolicy#FAIL}.
   */
  public static Augment images(ImageLayout layout) {
    return new Augment(
        Objects.requireNonNull(layout, "layout"),
        List.of(),
        new int[] {0},
        0L,
        0,
        ErrorPolicy.FAIL);
  }

  /**
   * Scopes the ops added after this call to the given fields (until the next call). Each must be an
   * image field of this stage's layout; it is checked at the first batch.
   */
  public Augment fields(int... fields) {
    if (fields.length == 0) {
      throw new IllegalArgumentException("fields needs at least one field");
    }
    for (int f : fields) {
      if (f < 0) {
        throw new IllegalArgumentException("fields must be >= 0, was " + Arrays.toString(fields));
      }
    }
    return new Augment(layout, steps, fields.clone(), seed, parallelism, errorPolicy);
  }

  /** Converts the values to float32 times {@code scale}: {@code toFloat(1 / 255f)} for [0, 1]. */
  public Augment toFloat(float scale) {
    return with(new ToFloat(scale));
  }

  /**
   * Per channel {@code (v - mean[c]) / std[c]}; the arrays need one value per channel of every
   * scoped field.
   *
   * @throws IllegalArgumentException when lengths differ, a std is 0 or a value is not finite
   */
  public Augment normalize(float[] mean, float[] std) {
    Objects.requireNonNull(mean, "mean");
    Objects.requireNonNull(std, "std");
    return with(new Normalize(mean, std));
  }

  /** Mirrors left-right with probability {@code p} in [0, 1]. */
  public Augment horizontalFlip(double p) {
    return with(new HorizontalFlip(p));
  }

  /** Mirrors top-bottom with probability {@code p} in [0, 1]. */
  public Augment verticalFlip(double p) {
    return with(new VerticalFlip(p));
  }

  /**
   * Rotates counter-clockwise about the centre by an angle uniform in [-maxDegrees, maxDegrees],
   * bilinearly, filling with 0.
   */
  public Augment rotate(double maxDegrees) {
    if (!(maxDegrees >= 0)) {
      throw new IllegalArgumentException("rotate maxDegrees must be >= 0, was " + maxDegrees);
    }
    return rotate(-maxDegrees, maxDegrees);
  }

  /**
   * Rotates counter-clockwise about the centre by an angle uniform in [minDegrees, maxDegrees],
   * bilinearly, filling with 0. With equal bounds the angle is fixed; multiples of 90° on square
   * images permute pixels exactly.
   */
  public Augment rotate(double minDegrees, double maxDegrees) {
    return rotate(minDegrees, maxDegrees, Interpolation.BILINEAR);
  }

  /**
   * Rotates counter-clockwise about the centre by an angle uniform in [minDegrees, maxDegrees],
   * filling with 0 and sampling as {@code interpolation} says. {@link Interpolation#NEAREST}
   * matches torchvision's {@code RandomRotation} default and costs less than bilinear.
   */
  public Augment rotate(double minDegrees, double maxDegrees, Interpolation interpolation) {
    return with(Rotate.of(minDegrees, maxDegrees, 0f, interpolation));
  }

  /** Pads each side with {@code padding} zeros and crops a random {@code size x size} window. */
  public Augment randomCrop(int size, int padding) {
    return randomCrop(size, padding, Padding.ZERO);
  }

  /**
   * Pads each side by {@code padding} in the given mode and crops a random {@code size x size}
   * window, like torchvision's {@code RandomCrop}. A crop larger than the padded image is rejected
   * at the first batch.
   */
  public Augment randomCrop(int size, int padding, Padding mode) {
    return with(new RandomCrop(size, padding, mode));
  }

  /** Adds normal noise of standard deviation {@code sigma} (>= 0) to every value. */
  public Augment gaussianNoise(double sigma) {
    return with(new GaussianNoise(sigma));
  }

  /**
   * With probability {@code p}, zeroes a rectangle covering a share in [minArea, maxArea] of the
   * image, with aspect ratio in [0.3, 3.3], like torchvision's {@code RandomErasing}.
   */
  public Augment randomErasing(double p, double minArea, double maxArea) {
    return with(new RandomErasing(p, minArea, maxArea));
  }

  /** Multiplies by a factor uniform in [max(0, 1 - delta), 1 + delta]; floats are not clamped. */
  public Augment brightness(double delta) {
    return with(new Brightness(delta));
  }

  /**
   * Blends with the mean grey level by a factor uniform in [max(0, 1 - delta), 1 + delta]; floats
   * are not clamped.
   */
  public Augment contrast(double delta) {
    return with(new Contrast(delta));
  }

  /** Applies a user op to each sample's float values; see {@link SampleOp} for its contract. */
  public Augment map(SampleOp op) {
    return with(new UserOp(op));
  }

  /** The seed every draw derives from (default 0). */
  public Augment seed(long seed) {
    return new Augment(layout, steps, scope, seed, parallelism, errorPolicy);
  }

  /**
   * Worker threads per subscription (default: available processors, which a tuner may lower and
   * raise again while running); does not change output.
   */
  public Augment parallelism(int parallelism) {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be >= 1, was " + parallelism);
    }
    return new Augment(layout, steps, scope, seed, parallelism, errorPolicy);
  }

  /** What to do when an op throws on a sample (default {@link ErrorPolicy#FAIL}). */
  public Augment onError(ErrorPolicy policy) {
    return new Augment(
        layout, steps, scope, seed, parallelism, Objects.requireNonNull(policy, "policy"));
  }

  /**
   * Augments {@code batches}: same batches, same order, the scoped fields augmented. The result is
   * cold; each subscription gets its own threads. Configuration errors that depend on the data
   * (shapes, channels, crop sizes) end it with an {@link IllegalArgumentException} at the first
   * batch; an op that throws ends it with an {@link AugmentException} (see {@link
   * #onError(ErrorPolicy)}).
   */
  @Override
  public Flux<Batch> apply(Flux<Batch> batches) {
    Objects.requireNonNull(batches, "batches");
    return StageLifecycle.run(
        "augment",
        batches,
        life -> new AugmentRun(layout, steps, seed, threads, errorPolicy, pool, meter, skips, life),
        // Prefetch 1, inside the subscriber's demand: with a batch requested beyond this one, the
        // next is gathered upstream while this one is augmented.
        (run, in) -> in.concatMap(run::augment, 1),
        AugmentRun::dispose);
  }

  /** Augmented batches and the summed busy time of the workers, over every Flux this transforms. */
  public StageMeter meter() {
    return meter;
  }

  /** Samples dropped under {@link ErrorPolicy#SKIP}, over every Flux this transforms. */
  public long skipped() {
    return skips.count();
  }

  /**
   * The pool of the output buffers this stage leases when a field changes size or type; its {@link
   * BufferPool#outstanding()} is zero once every augmented batch is closed.
   */
  public BufferPool bufferPool() {
    return pool;
  }

  private Augment with(ImageOp op) {
    List<Step> more = new ArrayList<>(steps);
    more.add(new Step(op, scope));
    return new Augment(
        layout, Collections.unmodifiableList(more), scope, seed, parallelism, errorPolicy);
  }
}
