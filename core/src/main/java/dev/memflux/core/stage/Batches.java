package dev.memflux.core.stage;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.memflux.core.Batch;
import dev.memflux.core.DType;
import dev.memflux.core.PooledBuffer;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Stage SPI: what a stage does to a {@link Batch} beyond reading and closing it, namely move it
 * into a new batch with a field replaced or rows dropped, and say who holds it. Applications never
 * need these; they are kept off {@code Batch} so that its public face is the consumer's.
 */
public final class Batches {

  // Batch keeps these package-private. memflux-core is one module (the unnamed one on the class
  // path, an automatic one on the module path), so this package may take a private lookup of
  // Batch: the JDK's way to share internals between packages, without a public hook.
  private static final MethodHandle WITH_FIELD;
  private static final MethodHandle RETAIN;
  private static final MethodHandle HANDED_ON_BY;

  static {
    try {
      MethodHandles.Lookup batch =
          MethodHandles.privateLookupIn(Batch.class, MethodHandles.lookup());
      WITH_FIELD =
          batch.findVirtual(
              Batch.class,
              "withField",
              MethodType.methodType(
                  Batch.class, int.class, PooledBuffer.class, long[].class, DType.class));
      RETAIN =
          batch.findVirtual(Batch.class, "retain", MethodType.methodType(Batch.class, int[].class));
      HANDED_ON_BY =
          batch.findVirtual(
              Batch.class, "handedOnBy", MethodType.methodType(Batch.class, String.class));
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private Batches() {}

  /**
   * Moves {@code batch}'s buffers into a new batch in which field {@code i} is replaced by {@code
   * buffer}, holding data of the given shape (the batch size first) and native-order type; the old
   * buffer of field {@code i} returns to its pool. {@code batch} is closed afterwards and the new
   * one owns everything. Used by stages that change a field's size or type, such as augmentation.
   *
   * @throws IllegalArgumentException when the shape does not start with the batch size, is negative
   *     or does not fit in the buffer, or the type is not in native byte order
   * @throws IllegalStateException when {@code batch} is closed
   */
  public static Batch withField(Batch batch, int i, PooledBuffer buffer, long[] shape, DType type) {
    try {
      return (Batch) WITH_FIELD.invokeExact(batch, i, buffer, shape, type);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * Moves {@code batch} into a new one holding only the rows at the given positions (ascending,
   * each in {@code [0, size())}), compacted in place in every field. The indices follow; the epoch,
   * sequence and {@link Batch#state()} stay, so resuming is unaffected. {@code batch} is closed
   * afterwards. Used to skip samples that an error policy drops.
   *
   * @throws IllegalArgumentException when the positions are not ascending within the batch
   * @throws IllegalStateException when {@code batch} is closed
   */
  public static Batch retain(Batch batch, int[] positions) {
    try {
      return (Batch) RETAIN.invokeExact(batch, positions);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * Records that {@code stage} hands {@code batch} on. Should the batch never be closed, the
   * warning logged when the garbage collector returns its buffers names this stage (see {@link
   * dev.memflux.core.BufferPool}). {@link StageLifecycle#run} calls it for the stages it runs.
   *
   * @return {@code batch}
   */
  @CanIgnoreReturnValue
  public static Batch handedOnBy(Batch batch, String stage) {
    try {
      return (Batch) HANDED_ON_BY.invokeExact(batch, stage);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }
}
