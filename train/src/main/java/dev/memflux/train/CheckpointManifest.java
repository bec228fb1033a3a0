package dev.memflux.train;

import dev.memflux.core.AtomicFile;
import dev.memflux.core.LoaderState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * The file {@code NAME.checkpoint}: the latest checkpoint and the one before it, each naming its
 * parameter file (with that file's size and CRC-32C) and the loader state that goes with it.
 * Writing it (atomically) is the single commit point of a save; the parameter files it names are
 * never written again.
 *
 * <pre>
 * memflux-checkpoint/2
 * latest.index=3
 * latest.params=mlp-0007.params
 * latest.bytes=4432
 * latest.crc32c=1c2d3e4f
 * latest.state=memflux-state/2 epoch=3 ...
 * previous.index=2
 * ...
 * check=0a1b2c3d
 * </pre>
 *
 * <p>{@code check} is the CRC-32C of the lines before it. Files of format 1 ({@code index=}, {@code
 * state=}, parameters in {@code NAME-INDEX.params} without a checksum) are still read.
 */
final class CheckpointManifest {

  static final String FORMAT = "memflux-checkpoint/2";
  private static final String FORMAT_1 = "memflux-checkpoint/1";
  private static final String LATEST = "latest";
  private static final String PREVIOUS = "previous";
  private static final String CHECK = "check";
  private static final String[] ENTRY_KEYS = {"index", "params", "bytes", "crc32c", "state"};

  /**
   * One saved checkpoint.
   *
   * @param index the caller's number for it (the epoch, usually)
   * @param params the parameter file's name, in the checkpoint's directory
   * @param bytes the parameter file's size, or -1 when not recorded (format 1)
   * @param crc32c the parameter file's CRC-32C, or -1 when not recorded (format 1)
   * @param state the loader state just after the last trained batch
   */
  record Entry(int index, String params, long bytes, long crc32c, LoaderState state) {

    /**
     * This entry with its parameter file's size and checksum recorded, as format 2 needs: itself
     * unless it comes from format 1.
     */
    Entry withChecksum(Path dir) throws IOException {
      if (bytes >= 0) {
        return this;
      }
      Path file = dir.resolve(params);
      return new Entry(index, params, Files.size(file), checksum(file, false), state);
    }

    /** Why the parameter file in {@code dir} cannot be this checkpoint's, or null if it can. */
    @Nullable String problem(Path dir) {
      Path file = dir.resolve(params);
      try {
        if (!Files.isRegularFile(file)) {
          return file + ": missing";
        }
        long size = Files.size(file);
        if (bytes < 0) {
          return startsLikeDjlParameters(file)
              ? null
              : file + ": damaged: not DJL parameters (no 'DJL@' at the start)";
        }
        if (size != bytes) {
          return file + ": damaged: " + size + " bytes, the checkpoint recorded " + bytes;
        }
        long crc = checksum(file, false);
        if (crc != crc32c) {
          return file
              + ": damaged: CRC-32C "
              + hex(crc)
              + ", the checkpoint recorded "
              + hex(crc32c);
        }
        return null;
      } catch (IOException e) {
        return file + ": cannot be read: " + e.getMessage();
      }
    }
  }

  private final Entry latest;
  private final @Nullable Entry previous;

  CheckpointManifest(Entry latest, @Nullable Entry previous) {
    this.latest = latest;
    this.previous = previous;
  }

  /** The checkpoints it records, latest first. */
  List<Entry> entries() {
    return previous == null ? List.of(latest) : List.of(latest, previous);
  }

  /** Writes it to {@code file}, whole or not at all, and syncs it and its directory. */
  void write(Path file) throws IOException {
    StringBuilder text = new StringBuilder(FORMAT).append('\n');
    append(text, LATEST, latest);
    if (previous != null) {
      append(text, PREVIOUS, previous);
    }
    String check = hex(crc(text.toString()));
    text.append(CHECK).append('=').append(check).append('\n');
    AtomicFile.writeString(file, text);
  }

  /**
   * Reads {@code file}.
   *
   * @throws NoSuchFileException when it does not exist
   * @throws IOException naming the file when it is not a regular file (reading a FIFO would wait
   *     for a writer forever) or not a valid checkpoint manifest
   */
  static CheckpointManifest read(Path file, String name) throws IOException {
    if (Files.exists(file) && !Files.isRegularFile(file)) {
      throw new FileSystemException(file.toString(), null, "not a regular file");
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    try {
      List<String> lines = text.lines().toList();
      if (!lines.isEmpty() && lines.get(0).equals(FORMAT_1)) {
        return readFormat1(lines, name);
      }
      if (lines.isEmpty() || !lines.get(0).equals(FORMAT)) {
        throw new IllegalArgumentException(
            "not a memflux checkpoint (expected '" + FORMAT + "' or '" + FORMAT_1 + "')");
      }
      Map<String, String> fields = fields(lines.subList(1, lines.size()));
      String body = text.substring(0, text.lastIndexOf(CHECK + "="));
      String check = fields.remove(CHECK);
      if (check == null || !check.equals(hex(crc(body)))) {
        throw new IllegalArgumentException(
            "damaged: its check is " + check + ", its content's CRC-32C " + hex(crc(body)));
      }
      Entry latest = entry(fields, LATEST);
      @Nullable Entry previous =
          fields.containsKey(PREVIOUS + ".index") ? entry(fields, PREVIOUS) : null;
      if (!fields.isEmpty()) {
        throw new IllegalArgumentException("unknown fields " + fields.keySet());
      }
      return new CheckpointManifest(latest, previous);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /** The parameter file name {@code Model.save(dir, name)} gives generation {@code number}. */
  static String paramsName(String name, int number) {
    return String.format(Locale.ROOT, "%s-%04d.params", name, number);
  }

  /**
   * Syncs {@code file} to the device and returns its CRC-32C: one read of a file just written, from
   * the page cache.
   */
  static long syncAndChecksum(Path file) throws IOException {
    return checksum(file, true);
  }

  private static long checksum(Path file, boolean sync) throws IOException {
    CRC32C crc = new CRC32C();
    try (FileChannel channel =
        sync
            ? FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)
            : FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
      while (channel.read(buffer) >= 0) {
        crc.update(buffer.flip());
        buffer.clear();
      }
      if (sync) {
        channel.force(true);
      }
    }
    return crc.getValue();
  }

  private static boolean startsLikeDjlParameters(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer magic = ByteBuffer.allocate(4);
      while (magic.hasRemaining() && channel.read(magic) >= 0) {
        // read up to four bytes
      }
      return new String(magic.array(), 0, magic.position(), StandardCharsets.US_ASCII)
          .equals("DJL@");
    }
  }

  private static CheckpointManifest readFormat1(List<String> lines, String name) {
    Map<String, String> fields = fields(lines.subList(1, lines.size()));
    int index = index(require(fields, "index"));
    LoaderState state = LoaderState.parse(require(fields, "state"));
    if (!fields.isEmpty()) {
      throw new IllegalArgumentException("unknown fields " + fields.keySet());
    }
    return new CheckpointManifest(new Entry(index, paramsName(name, index), -1, -1, state), null);
  }

  private static void append(StringBuilder text, String prefix, Entry e) {
    text.append(prefix).append(".index=").append(e.index()).append('\n');
    text.append(prefix).append(".params=").append(e.params()).append('\n');
    text.append(prefix).append(".bytes=").append(e.bytes()).append('\n');
    text.append(prefix).append(".crc32c=").append(hex(e.crc32c())).append('\n');
    text.append(prefix).append(".state=").append(e.state()).append('\n');
  }

  private static Entry entry(Map<String, String> fields, String prefix) {
    String[] v = new String[ENTRY_KEYS.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = require(fields, prefix + "." + ENTRY_KEYS[i]);
    }
    String params = v[1];
    if (params.isEmpty() || params.contains("/") || params.contains("\\")) {
      throw new IllegalArgumentException(
          prefix + ".params must be a file name, was '" + params + "'");
    }
    long bytes = Long.parseLong(v[2]);
    long crc = Long.parseLong(v[3], 16);
    if (bytes < 0 || crc < 0 || crc > 0xffffffffL) {
      throw new IllegalArgumentException(prefix + ".bytes or .crc32c out of range");
    }
    return new Entry(index(v[0]), params, bytes, crc, LoaderState.parse(v[4]));
  }

  private static int index(String text) {
    int index = Integer.parseInt(text);
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0, was " + index);
    }
    return index;
  }

  /** {@code key=value} lines, each key once; the value may hold '='. */
  private static Map<String, String> fields(List<String> lines) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : lines) {
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("expected key=value, found '" + line + "'");
      }
      if (fields.put(line.substring(0, eq), line.substring(eq + 1)) != null) {
        throw new IllegalArgumentException("'" + line.substring(0, eq) + "' appears twice");
      }
    }
    return fields;
  }

  private static String require(Map<String, String> fields, String key) {
    String value = fields.remove(key);
    if (value == null) {
      throw new IllegalArgumentException("missing '" + key + "='");
    }
    return value;
  }

  private static long crc(String text) {
    CRC32C crc = new CRC32C();
    crc.update(text.getBytes(StandardCharsets.UTF_8));
    return crc.getValue();
  }

  private static String hex(long crc) {
    return String.format(Locale.ROOT, "%08x", crc);
  }
}
