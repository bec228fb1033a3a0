package dev.memflux.core;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * Releases a mapped buffer at once instead of when the garbage collector gets to it. Java 17 has no
 * public API for this; like Lucene's {@code MMapDirectory} we call {@code
 * sun.misc.Unsafe#invokeCleaner} from the {@code jdk.unsupported} module, found reflectively so
 * memflux still runs (leaving unmapping to the GC) on a JVM without it.
 */
final class Unmapper {

  private static final @Nullable MethodHandle INVOKE_CLEANER = lookupInvokeCleaner();

  private Unmapper() {}

  private static @Nullable MethodHandle lookupInvokeCleaner() {
    try {
      Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
      Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
      theUnsafe.setAccessible(true);
      return MethodHandles.lookup()
          .findVirtual(
              unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
          .bindTo(theUnsafe.get(null));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** True when buffers are unmapped deterministically rather than by the garbage collector. */
  static boolean isSupported() {
    return INVOKE_CLEANER != null;
  }

  /**
   * Unmaps {@code buffer}, which must be a buffer returned by {@code FileChannel.map} (not a slice
   * or duplicate). Any later access to it or to its views would crash the JVM, so callers must make
   * sure nobody can still reach it.
   */
  static void unmap(ByteBuffer buffer) {
    if (INVOKE_CLEANER == null) {
      return;
    }
    try {
      INVOKE_CLEANER.invokeExact(buffer);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("could not unmap buffer", e);
    }
  }
}
