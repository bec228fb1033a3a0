package dev.memflux.samples.bench;

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
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        long at = 0;
        int n;
        while ((n = channel.read(buffer.clear(), at)) > 0) {
          at += n;
        }
      }
    }
  }
}
