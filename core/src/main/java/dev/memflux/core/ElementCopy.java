package dev.memflux.core;

import java.nio.ByteBuffer;

/** Bulk copies of whole elements between buffers, swapping byte order on the way when asked. */
final class ElementCopy {

  private ElementCopy() {}

  /**
   * Copies {@code length} bytes from {@code src} at index {@code from} to {@code dst} at index
   * {@code at}, both absolute. With {@code swap}, each element of {@code itemSize} bytes is read in
   * {@code src}'s byte order and written in {@code dst}'s, which must differ; the bytes are whole
   * elements. Without, one bulk copy. Source and destination may be the same memory at the same
   * index (an in-place swap).
   */
  static void copy(
      ByteBuffer src, int from, ByteBuffer dst, int at, int length, int itemSize, boolean swap) {
    if (!swap || itemSize == 1) {
      dst.put(at, src, from, length);
      return;
    }
    switch (itemSize) {
      case 2 -> {
        for (int i = 0; i < length; i += 2) {
          dst.putShort(at + i, src.getShort(from + i));
        }
      }
      case 4 -> {
        for (int i = 0; i < length; i += 4) {
          dst.putInt(at + i, src.getInt(from + i));
        }
      }
      default -> {
        for (int i = 0; i < length; i += 8) {
          dst.putLong(at + i, src.getLong(from + i));
        }
      }
    }
  }
}
