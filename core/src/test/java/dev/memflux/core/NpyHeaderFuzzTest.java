package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations of valid .npy files: the only outcomes are a correct array or an {@link
 * NpyFormatException} naming the file and an offset; never another exception type, a hang or a file
 * left open or mapped.
 */
class NpyHeaderFuzzTest {

  static final Duration PER_CASE = Duration.ofSeconds(2);

  @TempDir Path dir;

  record Seed(DType dtype, boolean fortran, long[] shape, int major) {}

  static final List<Seed> SEEDS =
      List.of(
          new Seed(DType.parse("<i4"), false, new long[] {2, 3}, 1),
          new Seed(DType.parse(">f8"), true, new long[] {3, 2}, 1),
          new Seed(DType.parse("|u1"), false, new long[] {5}, 2),
          new Seed(DType.parse("<f2"), false, new long[] {2, 2, 2}, 3),
          new Seed(DType.parse("|b1"), false, new long[] {4, 1}, 1),
          new Seed(DType.parse("<i8"), false, new long[] {}, 1),
          new Seed(DType.parse(">u2"), true, new long[] {2, 3, 1}, 2));

  static final String[] EXTREMES = {
    "0",
    "-1",
    "1",
    "2147483647",
    "2147483648",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551616",
    "99999999999999999999999999999999",
    "1e308",
    "1.5",
    "-0",
    "0x7fffffffffffffff",
    "None",
    "True",
    "()",
    "(1,)",
    "[2]",
    "'3'",
    "1_000",
    // Issue 16.7 regressions: a huge digit string (quadratic to parse, echoed whole) and more
    // dimensions than numpy loads.
    "9".repeat(200_000),
    "1, ".repeat(70) + "1"
  };

  static final String[] DESCRS = {
    "'<i4'",
    "'>f8'",
    "'|u1'",
    "'<c8'",
    "'O'",
    "'<U3'",
    "'<M8[ns]'",
    "'<i3'",
    "'<f16'",
    "''",
    "'<<i4'",
    "'|i4'",
    "[('a', '<i4')]",
    "'<V8'",
    "'S5'",
    "'<f4' ",
    "1",
    "None",
    "'\\x00'"
  };

  static String headerText(String descr, String fortran, String shape, List<Integer> order) {
    String[] items = {"'descr': " + descr, "'fortran_order': " + fortran, "'shape': " + shape};
    StringBuilder s = new StringBuilder("{");
    for (int i : order) {
      s.append(items[i]).append(", ");
    }
    return s.append("}").toString();
  }

  static String shapeText(long[] shape) {
    return NpyHeader.shapeString(shape);
  }

  /** A .npy file of format {@code major}.0 holding {@code text} padded as numpy pads it. */
  static byte[] file(int major, String text, byte[] data) {
    int lengthBytes = major == 1 ? 2 : 4;
    byte[] raw = text.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    int total = 8 + lengthBytes + raw.length + 1;
    int pad = (64 - total % 64) % 64;
    byte[] header = new byte[raw.length + pad + 1];
    System.arraycopy(raw, 0, header, 0, raw.length);
    Arrays.fill(header, raw.length, header.length - 1, (byte) ' ');
    header[header.length - 1] = '\n';
    ByteBuffer b =
        ByteBuffer.allocate(8 + lengthBytes + header.length + data.length)
            .order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    if (major == 1) {
      b.putShort((short) header.length);
    } else {
      b.putInt(header.length);
    }
    return b.put(header).put(data).array();
  }

  static byte[] data(Seed s, long seed) {
    long n = s.dtype().itemSize();
    for (long d : s.shape()) {
      n *= d;
    }
    byte[] data = new byte[(int) n];
    new Random(seed).nextBytes(data);
    return data;
  }

  static byte[] valid(Seed s, List<Integer> order, byte[] data) {
    String text =
        headerText(
            "'" + s.dtype().descr() + "'",
            s.fortran() ? "True" : "False",
            shapeText(s.shape()),
            order);
    return file(s.major(), text, data);
  }

  int cases;
  int opened;
  int rejected;

  /**
   * Opens {@code bytes} as a file: must either give an array whose data lies within the file and
   * reads back, or throw a NpyFormatException naming the file and an offset within it.
   *
   * @return the array's contents as raw C-order bytes of its native-order type, or null if rejected
   */
  byte[] openCase(byte[] bytes, String label) throws IOException {
    Path p = dir.resolve("fuzz-" + cases++ + ".npy");
    Files.write(p, bytes);
    byte[] contents;
    try {
      contents =
          assertTimeoutPreemptively(
              PER_CASE,
              () -> {
                try (NpyArray a = NpyArray.open(p)) {
                  long count = a.count();
                  assertThat(count * a.dtype().itemSize())
                      .as("%s: data must lie within the file", label)
                      .isLessThanOrEqualTo(bytes.length);
                  long rows = a.rows();
                  ByteBuffer all =
                      ByteBuffer.allocate(a.ndim() == 0 ? 8 : (int) (count * a.dtype().itemSize()))
                          .order(ByteOrder.nativeOrder());
                  if (a.ndim() > 0 && count > 0) {
                    long[] ids = new long[(int) rows];
                    for (int i = 0; i < ids.length; i++) {
                      ids[i] = i;
                    }
                    a.gather(ids, 0, ids.length, all);
                  } else if (a.ndim() == 0) {
                    double v = a.getDouble();
                    if (a.dtype().kind() == DType.Kind.INT && a.dtype().itemSize() == 8) {
                      all.putLong(0, a.getLong());
                    } else {
                      all.putDouble(0, v);
                    }
                  }
                  opened++;
                  return all.array();
                } catch (NpyFormatException e) {
                  rejected++;
                  assertThat(e.getMessage())
                      .as("%s", label)
                      .contains(p.toString())
                      .contains("at byte " + e.offset());
                  assertThat(e.offset()).as("%s: offset", label).isBetween(0L, (long) bytes.length);
                  assertThat(e.file()).isEqualTo(p);
                  return null;
                }
              },
              () -> label + " took longer than " + PER_CASE);
    } catch (Throwable t) {
      if (t instanceof AssertionError a) {
        throw a;
      }
      throw new AssertionError(label + ": unexpected " + t, t);
    }
    // Nothing stays open or mapped: the file can be deleted and no mapping of it remains.
    Files.delete(p);
    return contents;
  }

  @Test
  void mutatedHeadersOpenCorrectlyOrFailWithAFormatExceptionAndNothingElse() throws Exception {
    long fdsBefore = openFileDescriptors();
    SplittableRandom random = new SplittableRandom(0xF022_0001L);
    int mutations = 0;
    for (int i = 0; i < 3000; i++) {
      Seed s = SEEDS.get(random.nextInt(SEEDS.size()));
      byte[] data = data(s, i);
      List<Integer> order = new ArrayList<>(List.of(0, 1, 2));
      byte[] bytes;
      String label;
      int kind = random.nextInt(8);
      switch (kind) {
        case 0 -> { // byte flips anywhere in the preamble and header
          bytes = valid(s, order, data);
          int headerEnd = bytes.length - data.length;
          int flips = 1 + random.nextInt(3);
          StringBuilder what = new StringBuilder("flip");
          for (int f = 0; f < flips; f++) {
            int at = random.nextInt(headerEnd);
            bytes[at] = (byte) random.nextInt(256);
            what.append(' ').append(at);
          }
          label = what.toString();
        }
        case 1 -> { // insertion of a random byte
          byte[] v = valid(s, order, data);
          int at = random.nextInt(v.length - data.length + 1);
          bytes = new byte[v.length + 1];
          System.arraycopy(v, 0, bytes, 0, at);
          bytes[at] = (byte) random.nextInt(256);
          System.arraycopy(v, at, bytes, at + 1, v.length - at);
          label = "insert at " + at;
        }
        case 2 -> { // deletion of a byte
          byte[] v = valid(s, order, data);
          int at = random.nextInt(v.length - data.length);
          bytes = new byte[v.length - 1];
          System.arraycopy(v, 0, bytes, 0, at);
          System.arraycopy(v, at + 1, bytes, at, v.length - at - 1);
          label = "delete at " + at;
        }
        case 3 -> { // key order shuffled: still valid, same array
          Collections.shuffle(order, new Random(random.nextLong()));
          bytes = valid(s, order, data);
          byte[] got = openCase(bytes, "keys " + order);
          assertThat(got).as("keys %s of %s", order, s).isNotNull();
          assertThat(got).isEqualTo(nativeContents(s, data));
          mutations++;
          continue;
        }
        case 4 -> { // numeric extremes in the shape
          String[] dims = new String[1 + random.nextInt(3)];
          for (int d = 0; d < dims.length; d++) {
            dims[d] = EXTREMES[random.nextInt(EXTREMES.length)];
          }
          String shape = "(" + String.join(", ", dims) + (dims.length == 1 ? ",)" : ")");
          bytes =
              file(
                  s.major(),
                  headerText("'" + s.dtype().descr() + "'", "False", shape, order),
                  data);
          label = "shape " + shape;
        }
        case 5 -> { // other descrs and fortran_order values
          String descr = DESCRS[random.nextInt(DESCRS.length)];
          String fortran =
              random.nextBoolean() ? "False" : EXTREMES[random.nextInt(EXTREMES.length)];
          bytes = file(s.major(), headerText(descr, fortran, shapeText(s.shape()), order), data);
          label = "descr " + descr + " fortran " + fortran;
        }
        case 6 -> { // header length field and version bytes
          bytes = valid(s, order, data);
          int at = 6 + random.nextInt(s.major() == 1 ? 4 : 6);
          bytes[at] = (byte) (random.nextBoolean() ? 0xff : random.nextInt(256));
          label = "preamble byte " + at + " = " + (bytes[at] & 0xff);
        }
        default -> { // structural junk inside the dict
          String[] junk = {
            "{", "}", "(", ")", "'", "\"", "\\", ",", ":", "\u00e9", "\n", "#", "\0"
          };
          String text =
              headerText("'" + s.dtype().descr() + "'", "False", shapeText(s.shape()), order);
          int at = random.nextInt(text.length() + 1);
          text = text.substring(0, at) + junk[random.nextInt(junk.length)] + text.substring(at);
          bytes = file(s.major(), text, data);
          label = "junk at " + at + " of " + text;
        }
      }
      openCase(bytes, s + " " + label);
      mutations++;
    }
    assertThat(mutations).isEqualTo(3000);
    assertThat(rejected).as("mutations rejected").isGreaterThan(1000);
    assertThat(opened).as("mutations that stayed valid").isGreaterThan(300);
    assertNothingOpen(fdsBefore);
  }

  @Test
  void truncationsAtEveryLengthAreRejectedAndTheWholeFileOpens() throws Exception {
    long fdsBefore = openFileDescriptors();
    int truncations = 0;
    for (Seed s : SEEDS) {
      byte[] data = data(s, 42);
      byte[] full = valid(s, List.of(0, 1, 2), data);
      for (int length = 0; length < full.length; length++) {
        byte[] cut = Arrays.copyOf(full, length);
        byte[] got = openCase(cut, s + " truncated to " + length);
        if (data.length > 0) {
          assertThat(got).as("%s truncated to %d of %d bytes", s, length, full.length).isNull();
        }
        truncations++;
      }
      assertThat(openCase(full, s + " whole")).isEqualTo(nativeContents(s, data));
    }
    assertThat(truncations).isGreaterThan(500);
    assertNothingOpen(fdsBefore);
  }

  /** The bytes a gather of every row gives: native order, C order. */
  static byte[] nativeContents(Seed s, byte[] fileData) {
    int item = s.dtype().itemSize();
    int n = fileData.length / item;
    long[] shape = s.shape();
    byte[] out = new byte[fileData.length];
    for (int c = 0; c < n; c++) {
      // element at C index c: find its file index (F order reverses axis significance)
      int fileIndex = c;
      if (s.fortran() && shape.length > 1) {
        int[] idx = new int[shape.length];
        int rem = c;
        for (int a = shape.length - 1; a >= 0; a--) {
          idx[a] = (int) (rem % shape[a]);
          rem /= (int) shape[a];
        }
        fileIndex = 0;
        for (int a = shape.length - 1; a >= 0; a--) {
          fileIndex = fileIndex * (int) shape[a] + idx[a];
        }
      }
      boolean swap = item > 1 && s.dtype().order() != ByteOrder.nativeOrder();
      for (int k = 0; k < item; k++) {
        out[c * item + k] = fileData[fileIndex * item + (swap ? item - 1 - k : k)];
      }
    }
    return out;
  }

  /** Targets of the process's open file descriptors. */
  static List<String> openFiles() throws IOException {
    List<String> targets = new ArrayList<>();
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          targets.add(Files.readSymbolicLink(fd).toString());
        } catch (IOException e) {
          // closed between list and read
        }
      }
    }
    return targets;
  }

  static long openFileDescriptors() throws IOException {
    return openFiles().size();
  }

  void assertNothingOpen(long fdsBefore) throws IOException {
    // Other JVM threads may open descriptors of their own (class loading, GC logs); a fuzzed file
    // left open is what matters.
    assertThat(openFiles())
        .as(
            "descriptors of fuzzed files still open (%d before, %d now)",
            fdsBefore, openFileDescriptors())
        .noneMatch(target -> target.contains(dir.resolve("fuzz-").toString()));
    String maps = Files.readString(Path.of("/proc/self/maps"));
    assertThat(maps).as("mappings of fuzzed files").doesNotContain(dir.resolve("fuzz-").toString());
  }
}
