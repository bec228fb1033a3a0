package dev.memflux.core;

import dev.memflux.core.MappedChunks.Windowing;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.AccessMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Opens, validates and maps the files behind {@link NpyArray}'s factories. Every step is
 * exception-safe: when one fails, nothing stays open or mapped, and a file being created is
 * removed, so errors come before any work and leave nothing behind.
 */
final class NpyOpener {

  private NpyOpener() {}

  /** {@link NpyArray#open}. */
  static NpyArray open(Path path, Windowing windowing) throws IOException {
    Objects.requireNonNull(path, "path");
    Object fileKey = regularFile(path);
    RandomAccessFile file = openFile(path, "r");
    try {
      FileChannel channel = file.getChannel();
      NpyHeader header = NpyHeader.read(channel, path);
      return map(path.toString(), path, fileKey, file, header, channel.size(), "file", windowing);
    } catch (IOException | RuntimeException | Error e) {
      closeQuietly(file, e);
      throw e;
    }
  }

  /** {@link NpyArray#openNpz}. */
  static NpyArray openNpz(Path path, String member, Windowing windowing) throws IOException {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(member, "member");
    Object fileKey = regularFile(path);
    RandomAccessFile file = openFile(path, "r");
    try {
      FileChannel channel = file.getChannel();
      Npz.Region region = Npz.locate(channel, path, member);
      NpyHeader header = NpyHeader.read(channel, path, region.start(), region.end(), "member");
      return map(
          path + "['" + Npz.key(region.entryName()) + "']",
          path,
          fileKey,
          file,
          header,
          region.end(),
          "member '" + region.entryName() + "'",
          windowing);
    } catch (IOException | RuntimeException | Error e) {
      closeQuietly(file, e);
      throw e;
    }
  }

  /** {@link NpyArray#npzMembers}. */
  static List<NpzMember> npzMembers(Path path) throws IOException {
    Objects.requireNonNull(path, "path");
    Object unused = regularFile(path);
    try (FileChannel channel = FileChannel.open(path)) {
      return Npz.members(channel, path);
    }
  }

  /**
   * Maps the data {@code header} describes, which must end by byte {@code end} of the {@code
   * container} (the file, or an .npz member); takes ownership of {@code file}.
   */
  private static NpyArray map(
      String name,
      Path path,
      Object fileKey,
      RandomAccessFile file,
      NpyHeader header,
      long end,
      String container,
      Windowing windowing)
      throws IOException {
    long[] shape = header.shape();
    int itemSize = header.dtype().itemSize();
    long dataBytes = NpyHeader.byteSize(shape, 0, itemSize);
    if (end - header.dataOffset() < dataBytes) {
      throw new NpyFormatException(
          path,
          end,
          dataBytes
              + " data bytes for shape "
              + NpyHeader.shapeString(shape)
              + " of "
              + header.dtype()
              + " ending at byte "
              + (header.dataOffset() + dataBytes),
          "end of " + container + " (truncated data)");
    }
    long rowBytes = NpyHeader.byteSize(shape, Math.min(1, shape.length), itemSize);
    boolean cLayout = !header.fortranOrder() || rowBytes <= itemSize;
    MappedChunks data =
        MappedChunks.map(
            file.getChannel(),
            path,
            header.dataOffset(),
            dataBytes,
            cLayout ? rowBytes : 0,
            header.dtype(),
            windowing);
    return array(
        name,
        path,
        fileKey,
        header.dtype(),
        shape,
        header.fortranOrder(),
        header.version(),
        header.dataOffset(),
        file,
        data,
        false);
  }

  /** The array of a mapped file; takes ownership of {@code file} and {@code data}. */
  private static NpyArray array(
      String name,
      Path path,
      Object fileKey,
      DType dtype,
      long[] shape,
      boolean fortranOrder,
      String version,
      long dataOffset,
      RandomAccessFile file,
      MappedChunks data,
      boolean writable) {
    long dataEnd = dataOffset + NpyHeader.byteSize(shape, 0, dtype.itemSize());
    MappedReader mapped = new MappedReader(path, fileKey, data, dataOffset, dataEnd, file);
    ElementWriter writer = writable ? new ElementWriter(path, dtype, file) : null;
    return new NpyArray(
        name,
        path,
        dtype,
        shape,
        fortranOrder,
        version,
        new MappedFile(dtype, shape, fortranOrder, dataOffset, file, mapped, writer),
        null);
  }

  /** {@link NpyArray#openRaw}. */
  static NpyArray openRaw(Path path, DType dtype, long[] shape, long offset, Windowing windowing)
      throws IOException {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(dtype, "dtype");
    long[] dims = checkShape(shape, dtype);
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0, was " + offset + " for " + path);
    }
    long dataBytes = NpyHeader.byteSize(dims, 0, dtype.itemSize());
    Object fileKey = regularFile(path);
    RandomAccessFile file = openFile(path, "r");
    try {
      FileChannel channel = file.getChannel();
      long size = channel.size();
      if (size < offset || size - offset < dataBytes) {
        throw new IOException(
            path
                + ": a raw "
                + dtype
                + " array of shape "
                + NpyHeader.shapeString(dims)
                + " at offset "
                + offset
                + " needs "
                + dataBytes
                + " bytes after the offset, but the file has "
                + size
                + " bytes");
      }
      long rowBytes = NpyHeader.byteSize(dims, Math.min(1, dims.length), dtype.itemSize());
      MappedChunks data =
          MappedChunks.map(channel, path, offset, dataBytes, rowBytes, dtype, windowing);
      return array(
          path.toString(), path, fileKey, dtype, dims, false, "raw", offset, file, data, false);
    } catch (IOException | RuntimeException | Error e) {
      closeQuietly(file, e);
      throw e;
    }
  }

  /**
   * {@link NpyArray#create}: the new file is made complete (header, length) as an {@link
   * AtomicFile} beside the destination, synced, then renamed over it and the directory synced. A
   * reader of the old file keeps the old bytes, since the new array is a new file, not the old one
   * rewritten; a failure before the rename leaves the destination untouched.
   */
  static NpyArray create(Path path, DType dtype, long[] shape, Windowing windowing)
      throws IOException {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(dtype, "dtype");
    long[] dims = checkShape(shape, dtype);
    byte[] header = NpyHeader.encode(dtype, false, dims);
    long dataBytes = NpyHeader.byteSize(dims, 0, dtype.itemSize());
    if (dataBytes > Long.MAX_VALUE - header.length) {
      throw new IllegalArgumentException(
          "shape " + NpyHeader.shapeString(dims) + " of " + dtype + " is too large for a file");
    }
    long rowBytes = NpyHeader.byteSize(dims, Math.min(1, dims.length), dtype.itemSize());
    RandomAccessFile file = null;
    MappedChunks data = null;
    try (AtomicFile out = AtomicFile.create(path)) {
      try {
        // The array keeps this descriptor of the new inode, which the rename does not change.
        file = openFile(out.temporary(), "rw");
        file.write(header);
        file.setLength(header.length + dataBytes); // sparse: the data is not written
        data =
            MappedChunks.map(
                file.getChannel(), path, header.length, dataBytes, rowBytes, dtype, windowing);
        Object fileKey = Files.readAttributes(out.temporary(), BasicFileAttributes.class).fileKey();
        out.commit();
        return array(
            path.toString(),
            path,
            fileKey,
            dtype,
            dims,
            false,
            version(header),
            header.length,
            file,
            data,
            true);
      } catch (IOException | RuntimeException | Error e) {
        if (data != null) {
          data.unmap();
        }
        if (file != null) {
          closeQuietly(file, e);
        }
        throw e;
      }
    }
  }

  /**
   * Refuses anything but a regular file before opening it: opening a FIFO blocks until a writer
   * appears, which may be never. Returns the file's identity (its {@code fileKey}), which later
   * reads compare against to notice a file replaced under the array.
   */
  private static Object regularFile(Path path) throws IOException {
    BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
    if (!attributes.isRegularFile()) {
      throw new IOException(
          path + ": not a regular file" + (attributes.isDirectory() ? " (a directory)" : ""));
    }
    return attributes.fileKey();
  }

  /**
   * Opens {@code path} for reading or, in mode "rw", also writing. RandomAccessFile folds every
   * failure into FileNotFoundException, so recover NIO's precise one (no such file, access denied)
   * for callers to act on.
   */
  private static RandomAccessFile openFile(Path path, String mode) throws IOException {
    try {
      return new RandomAccessFile(path.toFile(), mode);
    } catch (FileNotFoundException e) {
      Path checked = mode.equals("r") ? path : path.toAbsolutePath().getParent();
      if (checked != null) {
        checked.getFileSystem().provider().checkAccess(checked, AccessMode.READ);
      }
      throw e;
    }
  }

  private static void closeQuietly(RandomAccessFile file, Throwable failure) {
    try {
      file.close();
    } catch (IOException suppressed) {
      failure.addSuppressed(suppressed);
    }
  }

  private static String version(byte[] header) {
    return header[6] + "." + header[7];
  }

  private static long[] checkShape(long[] shape, DType dtype) {
    Objects.requireNonNull(shape, "shape");
    long[] dims = shape.clone();
    for (long d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(dims) + " has a negative dimension");
      }
    }
    try {
      NpyHeader.byteSize(dims, 0, dtype.itemSize());
      NpyHeader.byteSize(dims, Math.min(1, dims.length), dtype.itemSize());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(dims) + " of " + dtype + " overflows a 64-bit byte size");
    }
    return dims;
  }
}
