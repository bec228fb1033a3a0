package dev.memflux.samples.data;

import dev.memflux.core.AtomicFile;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * Rewrites an .npz archive with every member stored, so that {@code NpyArray.openNpz} can map each
 * one in place: what {@code np.savez} would have written from {@code np.savez_compressed}'s arrays.
 * Each member's array data starts on a 64-byte boundary of the file (the local header's extra field
 * is padded, as Android's zipalign does), as in a .npy file. Every member's CRC is checked on the
 * way, so a damaged archive is an error, not a damaged copy.
 *
 * <pre>{@code
 * NpzConverter.store(Path.of("compressed.npz"), Path.of("stored.npz"));
 * }</pre>
 */
public final class NpzConverter {

  /** The alignment of each member's array data, as numpy aligns a .npy file's. */
  static final int ALIGN = 64;

  /** The extra field id Android's zipalign pads with; readers skip ids they do not know. */
  private static final int PADDING_ID = 0xd935;

  private static final int LOCAL_HEADER_BYTES = 30;
  private static final int ZIP64_LOCAL_EXTRA_BYTES = 20;
  private static final long ZIP64_SIZE = 0xffffffffL;
  private static final int COPY_BYTES = 1 << 16;

  private NpzConverter() {}

  /**
   * Writes {@code out}: the members of {@code in} in the same order, each stored. {@code out}
   * appears whole or not at all.
   *
   * @return how many members were written
   * @throws IOException naming the archive and member when {@code in} is not a ZIP archive, a
   *     member is encrypted or compressed with a method other than deflate, or its data does not
   *     match its CRC; when a file cannot be read or written. Any previous {@code out} is then left
   *     as it was.
   */
  public static int store(Path in, Path out) throws IOException {
    try (ZipFile zip = open(in);
        AtomicFile file = AtomicFile.create(out)) {
      CountingStream counted =
          new CountingStream(
              new BufferedOutputStream(Channels.newOutputStream(file.channel()), COPY_BYTES));
      List<? extends ZipEntry> entries = Collections.list(zip.entries());
      try (ZipOutputStream zipOut = new ZipOutputStream(counted)) {
        for (ZipEntry entry : entries) {
          copy(zip, in, entry, zipOut, counted);
        }
      }
      file.commit();
      return entries.size();
    }
  }

  private static ZipFile open(Path in) throws IOException {
    try {
      return new ZipFile(in.toFile());
    } catch (ZipException e) {
      throw new IOException(in + ": not a readable zip archive (.npz): " + e.getMessage(), e);
    }
  }

  /** Copies one member, stored, its array data aligned. */
  private static void copy(
      ZipFile zip, Path in, ZipEntry entry, ZipOutputStream zipOut, CountingStream counted)
      throws IOException {
    String where = in + ": member '" + entry.getName() + "'";
    if (entry.getMethod() != ZipEntry.STORED && entry.getMethod() != ZipEntry.DEFLATED) {
      throw new IOException(
          where
              + " is compressed with method "
              + entry.getMethod()
              + "; memflux convert npz reads stored and deflate members (np.savez,"
              + " np.savez_compressed)");
    }
    try (InputStream data = zip.getInputStream(entry)) {
      byte[] head = data.readNBytes(12);
      ZipEntry stored = new ZipEntry(entry.getName());
      stored.setMethod(ZipEntry.STORED);
      stored.setSize(entry.getSize());
      stored.setCompressedSize(entry.getSize());
      stored.setCrc(entry.getCrc());
      if (entry.getTime() != -1) {
        stored.setTime(entry.getTime());
      }
      long nameBytes = entry.getName().getBytes(StandardCharsets.UTF_8).length;
      long dataStart =
          counted.written()
              + LOCAL_HEADER_BYTES
              + nameBytes
              + (entry.getSize() >= ZIP64_SIZE ? ZIP64_LOCAL_EXTRA_BYTES : 0);
      stored.setExtra(padding(dataStart, npyHeaderBytes(head)));
      zipOut.putNextEntry(stored);
      CRC32 crc = new CRC32();
      zipOut.write(head);
      crc.update(head);
      byte[] buffer = new byte[COPY_BYTES];
      for (int n = data.read(buffer); n >= 0; n = data.read(buffer)) {
        zipOut.write(buffer, 0, n);
        crc.update(buffer, 0, n);
      }
      if (crc.getValue() != entry.getCrc()) {
        throw new IOException(
            where
                + " does not match its CRC (the archive is damaged): "
                + Long.toHexString(crc.getValue())
                + ", not "
                + Long.toHexString(entry.getCrc()));
      }
      zipOut.closeEntry();
    } catch (ZipException e) {
      throw new IOException(where + ": " + e.getMessage(), e);
    }
  }

  /**
   * The bytes before a .npy member's array data: its preamble and header ({@code head} holds the
   * first 12 bytes); 0 for a member that is not a .npy, which is aligned as a whole.
   */
  static long npyHeaderBytes(byte[] head) {
    byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (head.length < 12) {
      return 0;
    }
    for (int i = 0; i < magic.length; i++) {
      if (head[i] != magic[i]) {
        return 0;
      }
    }
    ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
    return head[6] == 1 ? 10 + (b.getShort(8) & 0xffff) : 12 + (b.getInt(8) & 0xffffffffL);
  }

  /**
   * An extra field that moves the member's data from {@code dataStart} so that its array data,
   * {@code headerBytes} further, starts on an {@link #ALIGN}-byte boundary; none when it does.
   */
  static byte @Nullable [] padding(long dataStart, long headerBytes) {
    int pad = (int) Math.floorMod(-(dataStart + headerBytes), (long) ALIGN);
    if (pad == 0) {
      return null;
    }
    if (pad < 4) {
      pad += ALIGN; // an extra field needs 4 bytes of id and length
    }
    ByteBuffer extra = ByteBuffer.allocate(pad).order(ByteOrder.LITTLE_ENDIAN);
    extra.putShort((short) PADDING_ID).putShort((short) (pad - 4));
    return extra.array();
  }

  /**
   * Counts the bytes written, to know where the next local header starts. Closing it flushes and
   * leaves the file open, for its commit.
   */
  private static final class CountingStream extends FilterOutputStream {
    private long written;

    CountingStream(OutputStream out) {
      super(out);
    }

    long written() {
      return written;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      written++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      written += len;
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
