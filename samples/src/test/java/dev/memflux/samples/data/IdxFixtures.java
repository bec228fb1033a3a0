package dev.memflux.samples.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files, plain or gzipped, the way MNIST's are laid out. */
public final class IdxFixtures {

  private IdxFixtures() {}

  /** The bytes of an IDX file: magic, big-endian dimensions, then {@code data} as given. */
  public static byte[] idx(int typeCode, int[] dims, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
    b.put((byte) 0).put((byte) 0).put((byte) typeCode).put((byte) dims.length);
    for (int d : dims) {
      b.putInt(d);
    }
    return b.put(data).array();
  }

  /** {@code bytes} gzip-compressed. */
  public static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }

  /** Writes {@code bytes} to {@code file}; returns {@code file}. */
  public static Path write(Path file, byte[] bytes) throws IOException {
    return Files.write(file, bytes);
  }

  /** u1 images of shape (n, side, side) whose pixel p of image i is (i * 7 + p) mod 256. */
  public static byte[] images(int n, int side) {
    byte[] data = new byte[n * side * side];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) ((i / (side * side)) * 7 + i % (side * side));
    }
    return idx(0x08, new int[] {n, side, side}, data);
  }

  /** u1 labels i mod 10. */
  public static byte[] labels(int n) {
    byte[] data = new byte[n];
    for (int i = 0; i < n; i++) {
      data[i] = (byte) (i % 10);
    }
    return idx(0x08, new int[] {n}, data);
  }
}
