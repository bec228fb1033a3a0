package dev.memflux.core;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The members of a ZIP archive (an .npz) as its central directory lists them, and where a stored
 * member's bytes lie in the file, for mapping them in place. Reads ZIP and ZIP64 records (the
 * end-of-central-directory record, its ZIP64 locator and record, the ZIP64 extra field of central
 * and local headers), as Python's {@code zipfile} writes them for {@code np.savez}: local headers
 * with ZIP64 sizes, members at any byte offset.
 *
 * <p>Everything is read from the central directory, whose sizes are authoritative (a local header
 * may leave them to a data descriptor); a member's local header is read only to find where its data
 * starts, and is checked against the directory. Every length and offset is checked against the file
 * before it is used, so a damaged archive is a {@link NpyFormatException} naming the byte, never a
 * read past the end or a huge allocation. CRCs are not checked: that would read every member whole,
 * and mapping reads only what is asked for.
 */
final class ZipDirectory {

  /** The compression method of a member stored as it is. */
  static final int STORED = 0;

  /** The compression method of {@code np.savez_compressed}. */
  static final int DEFLATED = 8;

  private static final int LOCAL_HEADER = 0x04034b50;
  private static final int CENTRAL_HEADER = 0x02014b50;
  private static final int END_RECORD = 0x06054b50;
  private static final int ZIP64_END_RECORD = 0x06064b50;
  private static final int ZIP64_LOCATOR = 0x07064b50;
  private static final int ZIP64_EXTRA = 0x0001;

  private static final int LOCAL_HEADER_BYTES = 30;
  private static final int CENTRAL_HEADER_BYTES = 46;
  private static final int END_RECORD_BYTES = 22;
  private static final int ZIP64_END_RECORD_BYTES = 56;
  private static final int ZIP64_LOCATOR_BYTES = 20;
  private static final int MAX_COMMENT = 0xffff;

  /** An archive comment is at most this long, so the end record is in the file's last bytes. */
  private static final int MAX_TAIL = END_RECORD_BYTES + MAX_COMMENT;

  /** Larger directories (millions of members) are refused rather than read into memory. */
  static final long MAX_DIRECTORY_BYTES = 64L << 20;

  private static final long U32 = 0xffffffffL;
  private static final int U16 = 0xffff;
  private static final int ENCRYPTED = 1;
  private static final int UTF8_NAME = 1 << 11;
  private static final Charset CP437 =
      Charset.isSupported("IBM437") ? Charset.forName("IBM437") : StandardCharsets.ISO_8859_1;

  /**
   * One member, as the central directory describes it.
   *
   * @param name the member's file name in the archive, such as {@code x.npy}
   * @param method the compression method: {@link #STORED}, {@link #DEFLATED}, ...
   * @param flags the general purpose flags
   * @param compressedSize bytes of the member's data in the archive
   * @param size bytes of the member once uncompressed
   * @param localHeader file offset of the member's local header
   * @param entry file offset of the member's central directory header, for messages
   */
  record Entry(
      String name,
      int method,
      int flags,
      long compressedSize,
      long size,
      long localHeader,
      long entry) {

    /** Whether the member is encrypted, which memflux cannot read. */
    boolean encrypted() {
      return (flags & ENCRYPTED) != 0;
    }

    /** The compression method as people call it. */
    String methodName() {
      return ZipDirectory.methodName(method);
    }
  }

  /**
   * The central directory: every member, in directory order.
   *
   * @param entries the members
   * @param directoryOffset file offset of the directory; every member's data lies before it
   */
  record Listing(List<Entry> entries, long directoryOffset) {

    Listing {
      entries = List.copyOf(entries);
    }
  }

  private ZipDirectory() {}

  /** The name of compression method {@code method}. */
  static String methodName(int method) {
    return switch (method) {
      case STORED -> "stored";
      case DEFLATED -> "deflate";
      case 9 -> "deflate64";
      case 12 -> "bzip2";
      case 14 -> "lzma";
      case 93 -> "zstd";
      case 95 -> "xz";
      default -> "method " + method;
    };
  }

  /**
   * Reads the central directory of the archive in {@code channel}.
   *
   * @throws NpyFormatException naming {@code file} and the byte when it is not a ZIP archive, spans
   *     several volumes, or a record is damaged or points outside the file
   */
  static Listing read(FileChannel channel, Path file) throws IOException {
    long size = channel.size();
    int tailBytes = (int) Math.min(size, MAX_TAIL);
    long tailStart = size - tailBytes;
    ByteBuffer tail = readAt(channel, tailStart, tailBytes);
    int at = endRecord(tail);
    if (at < 0) {
      throw new NpyFormatException(
          file,
          tailStart,
          "a zip archive (an .npz) with an end of central directory record in its last "
              + MAX_TAIL
              + " bytes",
          size < END_RECORD_BYTES
              ? "a file of " + size + " bytes"
              : "no such record" + (startsLikeZip(channel, size) ? " (a truncated archive?)" : ""));
    }
    long endRecord = tailStart + at;
    int disk = tail.getShort(at + 4) & U16;
    int directoryDisk = tail.getShort(at + 6) & U16;
    long entries = tail.getShort(at + 10) & U16;
    long directoryBytes = tail.getInt(at + 12) & U32;
    long directoryOffset = tail.getInt(at + 16) & U32;
    long directoryEnd = endRecord;
    if (endRecord >= ZIP64_LOCATOR_BYTES && zip64Locator(channel, endRecord)) {
      long locator = endRecord - ZIP64_LOCATOR_BYTES;
      ByteBuffer l = readAt(channel, locator, ZIP64_LOCATOR_BYTES);
      long record = l.getLong(8);
      if (record < 0 || record > locator - ZIP64_END_RECORD_BYTES) {
        throw new NpyFormatException(
            file,
            locator + 8,
            "the offset of the ZIP64 end of central directory record, before byte " + locator,
            Long.toUnsignedString(record));
      }
      ByteBuffer r = readAt(channel, record, ZIP64_END_RECORD_BYTES);
      if (r.getInt(0) != ZIP64_END_RECORD) {
        throw new NpyFormatException(
            file,
            record,
            "the ZIP64 end of central directory record (PK\\6\\6)",
            "bytes " + hex(r, 4));
      }
      disk = r.getInt(16);
      directoryDisk = r.getInt(20);
      entries = r.getLong(32);
      directoryBytes = r.getLong(40);
      directoryOffset = r.getLong(48);
      directoryEnd = record;
    }
    if (disk != 0 || directoryDisk != 0) {
      throw new NpyFormatException(
          file,
          endRecord + 4,
          "a single-volume archive (disk 0)",
          "disk " + disk + ", central directory on disk " + directoryDisk);
    }
    if (directoryOffset < 0
        || directoryBytes < 0
        || directoryOffset > directoryEnd
        || directoryBytes > directoryEnd - directoryOffset) {
      throw new NpyFormatException(
          file,
          endRecord,
          "a central directory before byte " + directoryEnd,
          Long.toUnsignedString(directoryBytes)
              + " bytes at offset "
              + Long.toUnsignedString(directoryOffset)
              + (startsLikeZip(channel, size) ? " (a truncated archive?)" : ""));
    }
    if (directoryBytes > MAX_DIRECTORY_BYTES) {
      throw new NpyFormatException(
          file,
          directoryOffset,
          "a central directory of at most " + MAX_DIRECTORY_BYTES + " bytes",
          directoryBytes + " bytes");
    }
    if (entries < 0 || entries > directoryBytes / CENTRAL_HEADER_BYTES) {
      throw new NpyFormatException(
          file,
          endRecord,
          "at most "
              + directoryBytes / CENTRAL_HEADER_BYTES
              + " members in "
              + directoryBytes
              + " bytes of central directory",
          Long.toUnsignedString(entries) + " members");
    }
    ByteBuffer directory = readAt(channel, directoryOffset, (int) directoryBytes);
    List<Entry> list = new ArrayList<>((int) entries);
    int pos = 0;
    for (long i = 0; i < entries; i++) {
      Entry e = centralHeader(directory, pos, directoryOffset, file);
      list.add(e);
      pos +=
          CENTRAL_HEADER_BYTES
              + (directory.getShort(pos + 28) & U16)
              + (directory.getShort(pos + 30) & U16)
              + (directory.getShort(pos + 32) & U16);
    }
    for (Entry e : list) {
      // a member's data and local header come before the directory
      if (e.localHeader() > directoryOffset - LOCAL_HEADER_BYTES
          || e.compressedSize() > directoryOffset - e.localHeader() - LOCAL_HEADER_BYTES) {
        throw new NpyFormatException(
            file,
            e.entry(),
            "member '" + e.name() + "' before the central directory at byte " + directoryOffset,
            e.compressedSize() + " bytes with a local header at byte " + e.localHeader());
      }
    }
    return new Listing(list, directoryOffset);
  }

  /**
   * The file offset of {@code e}'s data, after its local header, which must match the directory.
   *
   * @throws NpyFormatException naming the byte when the local header is damaged, names another
   *     member, or leaves too little room for the data before the central directory
   */
  static long dataOffset(FileChannel channel, Path file, Listing listing, Entry e)
      throws IOException {
    ByteBuffer h = readAt(channel, e.localHeader(), LOCAL_HEADER_BYTES);
    if (h.getInt(0) != LOCAL_HEADER) {
      throw new NpyFormatException(
          file,
          e.localHeader(),
          "the local header (PK\\3\\4) of member '" + e.name() + "'",
          "bytes " + hex(h, 4));
    }
    int method = h.getShort(8) & U16;
    if (method != e.method()) {
      throw new NpyFormatException(
          file,
          e.localHeader() + 8,
          "compression " + e.methodName() + " for member '" + e.name() + "', as its directory says",
          methodName(method));
    }
    int nameLength = h.getShort(26) & U16;
    int extraLength = h.getShort(28) & U16;
    long data = e.localHeader() + LOCAL_HEADER_BYTES + nameLength + extraLength;
    if (data > listing.directoryOffset() - e.compressedSize()) {
      throw new NpyFormatException(
          file,
          e.localHeader() + 26,
          "member '"
              + e.name()
              + "' ("
              + e.compressedSize()
              + " bytes) to end before the central directory at byte "
              + listing.directoryOffset(),
          "a local header of "
              + nameLength
              + "-byte name and "
              + extraLength
              + "-byte extra field");
    }
    ByteBuffer name = readAt(channel, e.localHeader() + LOCAL_HEADER_BYTES, nameLength);
    String local = decodeName(name, 0, nameLength, (h.getShort(6) & U16 & UTF8_NAME) != 0);
    if (!local.equals(e.name())) {
      throw new NpyFormatException(
          file,
          e.localHeader() + LOCAL_HEADER_BYTES,
          "the name '" + e.name() + "' in the local header, as in the directory",
          "'" + local + "'");
    }
    return data;
  }

  /** The central header at {@code pos} of the directory read from {@code base}. */
  private static Entry centralHeader(ByteBuffer d, int pos, long base, Path file)
      throws NpyFormatException {
    long at = base + pos;
    if (pos > d.capacity() - CENTRAL_HEADER_BYTES) {
      throw new NpyFormatException(
          file, at, "another central directory header", "the end of the directory");
    }
    if (d.getInt(pos) != CENTRAL_HEADER) {
      throw new NpyFormatException(
          file, at, "a central directory header (PK\\1\\2)", "bytes " + hex(d, pos, 4));
    }
    int flags = d.getShort(pos + 8) & U16;
    int method = d.getShort(pos + 10) & U16;
    long compressed = d.getInt(pos + 20) & U32;
    long size = d.getInt(pos + 24) & U32;
    int nameLength = d.getShort(pos + 28) & U16;
    int extraLength = d.getShort(pos + 30) & U16;
    int commentLength = d.getShort(pos + 32) & U16;
    int disk = d.getShort(pos + 34) & U16;
    long local = d.getInt(pos + 42) & U32;
    int name = pos + CENTRAL_HEADER_BYTES;
    if (name + nameLength + extraLength + commentLength > d.capacity()) {
      throw new NpyFormatException(
          file,
          at + 28,
          "a name, extra field and comment inside the central directory",
          nameLength + extraLength + commentLength + " bytes from byte " + (base + name));
    }
    String memberName = decodeName(d, name, nameLength, (flags & UTF8_NAME) != 0);
    // ZIP64: each field that overflowed 32 bits is in the extra field, in this order
    int extra = name + nameLength;
    int extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      int id = d.getShort(extra) & U16;
      int length = d.getShort(extra + 2) & U16;
      int field = extra + 4;
      if (field + length > extraEnd) {
        throw new NpyFormatException(
            file,
            base + extra,
            "an extra field inside the " + extraLength + "-byte extra data",
            length + " bytes");
      }
      if (id == ZIP64_EXTRA) {
        int end = field + length;
        if (size == U32) {
          size = zip64Value(d, field, end, base, file, memberName, "size");
          field += 8;
        }
        if (compressed == U32) {
          compressed = zip64Value(d, field, end, base, file, memberName, "compressed size");
          field += 8;
        }
        if (local == U32) {
          local = zip64Value(d, field, end, base, file, memberName, "local header offset");
          field += 8;
        }
        if (disk == U16) {
          disk = field + 4 <= end ? d.getInt(field) : -1;
        }
      }
      extra += 4 + length;
    }
    if (disk != 0) {
      throw new NpyFormatException(
          file,
          at + 34,
          "member '" + memberName + "' on disk 0 (a single-volume archive)",
          "disk " + Integer.toUnsignedString(disk));
    }
    if (size < 0 || compressed < 0 || local < 0) {
      throw new NpyFormatException(
          file,
          at,
          "sizes and offsets below 2^63 for member '" + memberName + "'",
          Long.toUnsignedString(size) + ", " + Long.toUnsignedString(compressed) + ", " + local);
    }
    if (method == STORED && compressed != size) {
      throw new NpyFormatException(
          file,
          at + 20,
          "equal sizes for stored member '" + memberName + "'",
          "compressed " + compressed + " bytes, uncompressed " + size);
    }
    return new Entry(memberName, method, flags, compressed, size, local, at);
  }

  private static long zip64Value(
      ByteBuffer d, int field, int end, long base, Path file, String member, String what)
      throws NpyFormatException {
    if (field + 8 > end) {
      throw new NpyFormatException(
          file,
          base + field,
          "the ZIP64 " + what + " of member '" + member + "' in its extra field",
          "the end of the field");
    }
    return d.getLong(field);
  }

  /**
   * The position in {@code tail} of the end of central directory record, or -1: the last signature
   * whose comment ends the file, or else the last whose comment fits in the bytes after it (a tool
   * may append bytes after the archive). A comment may itself hold the signature's bytes, which the
   * exact fit tells apart.
   */
  private static int endRecord(ByteBuffer tail) {
    int fits = -1;
    for (int i = tail.capacity() - END_RECORD_BYTES; i >= 0; i--) {
      if (tail.getInt(i) == END_RECORD) {
        int end = i + END_RECORD_BYTES + (tail.getShort(i + 20) & U16);
        if (end == tail.capacity()) {
          return i;
        }
        if (end < tail.capacity() && fits < 0) {
          fits = i;
        }
      }
    }
    return fits;
  }

  private static boolean zip64Locator(FileChannel channel, long endRecord) throws IOException {
    return readAt(channel, endRecord - ZIP64_LOCATOR_BYTES, 4).getInt(0) == ZIP64_LOCATOR;
  }

  private static boolean startsLikeZip(FileChannel channel, long size) throws IOException {
    return size >= 4 && readAt(channel, 0, 4).getInt(0) == LOCAL_HEADER;
  }

  private static String decodeName(ByteBuffer b, int at, int length, boolean utf8) {
    byte[] bytes = new byte[length];
    b.get(at, bytes);
    return new String(bytes, utf8 ? StandardCharsets.UTF_8 : CP437);
  }

  /** {@code length} bytes at {@code position}, little-endian, at index 0. */
  private static ByteBuffer readAt(FileChannel channel, long position, int length)
      throws IOException {
    ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (channel.read(b, position + b.position()) < 0) {
        throw new EOFException("the file shrank while its zip directory was read");
      }
    }
    return b.clear();
  }

  private static String hex(ByteBuffer b, int length) {
    return hex(b, 0, length);
  }

  private static String hex(ByteBuffer b, int at, int length) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < Math.min(length, b.capacity() - at); i++) {
      s.append(i == 0 ? "" : " ").append(String.format("%02x", b.get(at + i) & 0xff));
    }
    return s.toString();
  }
}
