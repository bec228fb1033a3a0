package dev.memflux.core;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * The data of one array in one mapped file (a .npy, a raw {@code np.memmap} file or a stored .npz
 * member), in C or Fortran order. Owns the file and its mapping.
 */
final class MappedFile implements ArrayData {

  private final long dataOffset;
  private final long[] shape;
  private final int itemSize;

  /** Bytes between neighbours along each axis; meaningful only for in-bounds indices. */
  private final long[] strides;

  private final @Nullable RowLayout layout;
  private final RandomAccessFile file;
  private final MappedReader mapped;
  private final MappedReader[] files;
  private final @Nullable ElementWriter writer;

  /**
   * Takes ownership of {@code file} and {@code mapped}.
   *
   * @param writer writes through to the file, or null when read-only
   */
  MappedFile(
      DType dtype,
      long[] shape,
      boolean fortranOrder,
      long dataOffset,
      RandomAccessFile file,
      MappedReader mapped,
      @Nullable ElementWriter writer) {
    this.dataOffset = dataOffset;
    this.shape = shape.clone();
    this.itemSize = dtype.itemSize();
    this.file = file;
    this.mapped = mapped;
    this.files = new MappedReader[] {mapped};
    this.writer = writer;
    this.strides = new long[shape.length];
    long stride = itemSize;
    for (int i = 0; i < shape.length; i++) {
      int axis = fortranOrder ? i : shape.length - 1 - i;
      strides[axis] = stride;
      stride *= shape[axis];
    }
    long rows = shape.length == 0 ? 1 : shape[0];
    long rowBytes = NpyHeader.byteSize(shape, Math.min(1, shape.length), itemSize);
    boolean cLayout = !fortranOrder || rowBytes <= itemSize;
    this.layout = cLayout ? new ContiguousRows(dataOffset, rowBytes, rows) : null;
  }

  @Override
  public @Nullable RowLayout layout() {
    return layout;
  }

  @Override
  public MappedReader[] files() {
    return files;
  }

  @Override
  public long elementOffset(long[] index) {
    long pos = dataOffset;
    for (int axis = 0; axis < index.length; axis++) {
      pos += index[axis] * strides[axis];
    }
    return pos;
  }

  @Override
  public void gatherStrided(long[] ids, int from, int count, ByteBuffer out, int at) {
    RowGather.gatherStrided(
        mapped, dataOffset, shape, strides, itemSize, ids, from, count, out, at);
  }

  @Override
  public @Nullable ElementWriter writer() {
    return writer;
  }

  @Override
  public long dataBytes() {
    return NpyHeader.byteSize(shape, 0, itemSize);
  }

  @Override
  public void release() {
    mapped.unmap();
    try {
      file.close();
    } catch (IOException e) {
      // Its writes went through the writer, which reported any failure: nothing is lost.
    }
  }
}
