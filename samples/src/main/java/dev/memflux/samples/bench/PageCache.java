package dev.memflux.samples.bench;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Brings files into the page cache right before they are measured: this machine evicts cached pages
 * after about a minute idle, and every figure of the bench is for a warm cache, as the peer's.
 */
final class PageCache {

  private static final int CHUNK = 16 << 20;

  private PageCache() {}

  /** Reads every file through once with {@code read()}, keeping no mapping. */
  static void warm(Path... files) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
    for (Path file : files) {
      readThrough(file, buffer);
    }
  }

  /**
   * Reads {@code file} from start to end with {@code read()}, each chunk into {@code buffer} anew;
   * returns the bytes read. The caller allocates the buffer, so that a timed read excludes that.
   */
  @CanIgnoreReturnValue
  static long readThrough(Path file, ByteBuffer buffer) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long at = 0;
      int n;
      while ((n = channel.read(buffer.clear(), at)) > 0) {
        at += n;
      }
      return at;
    }
  }
}
