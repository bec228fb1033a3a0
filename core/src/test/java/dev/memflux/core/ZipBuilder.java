package dev.memflux.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes ZIP archives record by record, for the cases numpy does not write on its own: ZIP64
 * central records and end records, members larger than 4 GiB (sparse), comments holding the end
 * record's signature, data descriptors, and bytes to corrupt.
 */
final class ZipBuilder {

  private static final long U32 = 0xffffffffL;

  /**
   * One member.
   *
   * @param head the member's first bytes
   * @param length the member's uncompressed length; the bytes after {@code head} are zeros
   */
  private record Member(String name, byte[] head, long length, boolean deflate) {}

  private final List<Member> members = new ArrayList<>();
  private boolean zip64Local = true;
  private boolean zip64Central;
  private boolean zip64End;
  private boolean dataDescriptor;
  private byte[] comment = new byte[0];
  private byte[] trailer = new byte[0];

  /** Adds a stored member holding {@code data}. */
  ZipBuilder stored(String name, byte[] data) {
    members.add(new Member(name, data, data.length, false));
    return this;
  }

  /** Adds a stored member of {@code length} bytes: {@code head}, then zeros (left sparse). */
  ZipBuilder sparse(String name, byte[] head, long length) {
    members.add(new Member(name, head, length, false));
    return this;
  }

  /** Adds a deflated member holding {@code data}. */
  ZipBuilder deflated(String name, byte[] data) {
    members.add(new Member(name, data, data.length, true));
    return this;
  }

  /** Whether local headers carry ZIP64 sizes, as Python's {@code force_zip64} writes; default. */
  ZipBuilder zip64Local(boolean on) {
    zip64Local = on;
    return this;
  }

  /** Central headers with every size and offset in a ZIP64 extra field. */
  ZipBuilder zip64Central() {
    zip64Central = true;
    return this;
  }

  /** A ZIP64 end record and locator, the classic end record's fields all 0xff. */
  ZipBuilder zip64End() {
    zip64End = true;
    return this;
  }

  /** Local headers with zero sizes and a data descriptor after each member. */
  ZipBuilder dataDescriptor() {
    dataDescriptor = true;
    return this;
  }

  ZipBuilder comment(byte[] comment) {
    this.comment = comment.clone();
    return this;
  }

  /** Bytes after the end record (some tools append). */
  ZipBuilder trailer(byte[] trailer) {
    this.trailer = trailer.clone();
    return this;
  }

  /** The archive in memory; members must be small. */
  byte[] bytes() throws IOException {
    ByteChannelSink sink = new ByteChannelSink();
    write(sink);
    return sink.bytes();
  }

  /** Writes the archive to {@code file}, leaving the zeros of sparse members unwritten. */
  void write(Path file) throws IOException {
    try (FileChannel channel =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      write(
          new Sink() {
            @Override
            public void put(long at, ByteBuffer b) throws IOException {
              while (b.hasRemaining()) {
                channel.write(b, at + b.position());
              }
            }

            @Override
            public void extend(long length) throws IOException {
              if (channel.size() < length) {
                channel.write(ByteBuffer.allocate(1), length - 1);
              }
            }
          });
    }
  }

  private interface Sink {
    void put(long at, ByteBuffer b) throws IOException;

    void extend(long length) throws IOException;
  }

  private static final class ByteChannelSink implements Sink {
    private byte[] bytes = new byte[0];

    @Override
    public void put(long at, ByteBuffer b) {
      extend(at + b.remaining());
      b.get(bytes, (int) at, b.remaining());
    }

    @Override
    public void extend(long length) {
      if (bytes.length < length) {
        bytes = java.util.Arrays.copyOf(bytes, (int) length);
      }
    }

    byte[] bytes() {
      return bytes;
    }
  }

  private void write(Sink out) throws IOException {
    long pos = 0;
    ByteBuffer central = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    for (Member m : members) {
      byte[] name = m.name().getBytes(StandardCharsets.UTF_8);
      byte[] data = m.head();
      long crc = crc(m);
      if (m.deflate()) {
        data = deflate(m.head());
      }
      long compressed = m.deflate() ? data.length : m.length();
      long local = pos;
      ByteBuffer h = ByteBuffer.allocate(30 + name.length + 20).order(ByteOrder.LITTLE_ENDIAN);
      h.putInt(0x04034b50).putShort((short) 45).putShort((short) flags());
      h.putShort((short) (m.deflate() ? 8 : 0)).putShort((short) 0).putShort((short) 0x5c21);
      boolean zeroSizes = dataDescriptor;
      h.putInt(zeroSizes ? 0 : (int) crc);
      if (zip64Local) {
        h.putInt(-1).putInt(-1);
      } else {
        h.putInt(zeroSizes ? 0 : (int) compressed).putInt(zeroSizes ? 0 : (int) m.length());
      }
      h.putShort((short) name.length).putShort((short) (zip64Local ? 20 : 0)).put(name);
      if (zip64Local) {
        h.putShort((short) 1).putShort((short) 16);
        h.putLong(zeroSizes ? 0 : m.length()).putLong(zeroSizes ? 0 : compressed);
      }
      out.put(pos, h.flip());
      pos += h.limit();
      out.put(pos, ByteBuffer.wrap(data));
      pos += compressed;
      out.extend(pos);
      if (dataDescriptor) {
        ByteBuffer d = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        d.putInt(0x08074b50).putInt((int) crc).putLong(compressed).putLong(m.length());
        out.put(pos, d.flip());
        pos += 24;
      }
      central.putInt(0x02014b50).putShort((short) 45).putShort((short) 45);
      central.putShort((short) flags()).putShort((short) (m.deflate() ? 8 : 0));
      central.putShort((short) 0).putShort((short) 0x5c21).putInt((int) crc);
      boolean big = zip64Central || compressed >= U32 || local >= U32;
      central.putInt(big ? -1 : (int) compressed).putInt(big ? -1 : (int) m.length());
      central.putShort((short) name.length).putShort((short) (big ? 28 : 0)).putShort((short) 0);
      central.putShort((short) 0).putShort((short) 0).putInt(0);
      central.putInt(big ? -1 : (int) local).put(name);
      if (big) {
        central.putShort((short) 1).putShort((short) 24);
        central.putLong(m.length()).putLong(compressed).putLong(local);
      }
    }
    long directory = pos;
    central.flip();
    long directoryBytes = central.limit();
    out.put(pos, central);
    pos += directoryBytes;
    boolean zip64 = zip64End || directory >= U32;
    if (zip64) {
      long record = pos;
      ByteBuffer r = ByteBuffer.allocate(56 + 20).order(ByteOrder.LITTLE_ENDIAN);
      r.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45);
      r.putInt(0).putInt(0).putLong(members.size()).putLong(members.size());
      r.putLong(directoryBytes).putLong(directory);
      r.putInt(0x07064b50).putInt(0).putLong(record).putInt(1);
      out.put(pos, r.flip());
      pos += r.limit();
    }
    ByteBuffer end = ByteBuffer.allocate(22 + comment.length).order(ByteOrder.LITTLE_ENDIAN);
    end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0);
    short count = (short) (zip64 ? -1 : members.size());
    end.putShort(count).putShort(count);
    end.putInt(zip64 ? -1 : (int) directoryBytes).putInt(zip64 ? -1 : (int) directory);
    end.putShort((short) comment.length).put(comment);
    out.put(pos, end.flip());
    pos += end.limit();
    out.put(pos, ByteBuffer.wrap(trailer));
  }

  private int flags() {
    return (dataDescriptor ? 1 << 3 : 0) | 1 << 11;
  }

  /** The member's CRC; 0 for a sparse one, which readers that map in place never check. */
  private static long crc(Member m) {
    if (m.length() != m.head().length) {
      return 0;
    }
    CRC32 crc = new CRC32();
    crc.update(m.head());
    return crc.getValue();
  }

  private static byte[] deflate(byte[] data) {
    Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    try {
      d.setInput(data);
      d.finish();
      byte[] out = new byte[data.length + 64];
      int n = d.deflate(out);
      return java.util.Arrays.copyOf(out, n);
    } finally {
      d.end();
    }
  }
}
