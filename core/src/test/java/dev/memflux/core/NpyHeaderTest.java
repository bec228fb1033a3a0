package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Header parsing: everything the .npy spec allows is read, anything else is reported precisely. */
class NpyHeaderTest {

  @TempDir Path dir;

  /** A .npy file of format {@code major}.0 with {@code header} verbatim and {@code data}. */
  static byte[] npy(int major, String header, byte[] data) {
    byte[] text =
        header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    ByteBuffer b =
        ByteBuffer.allocate(12 + text.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    if (major == 1) {
      b.putShort((short) text.length);
    } else {
      b.putInt(text.length);
    }
    b.put(text).put(data);
    return java.util.Arrays.copyOf(b.array(), b.position());
  }

  /** Six little-endian int32s 0..5, the data for shape (2, 3). */
  static byte[] sixInts() {
    ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 6; i++) {
      b.putInt(i);
    }
    return b.array();
  }

  static Stream<String> headersTheSpecAllows() {
    return Stream.of(
        "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }          \n",
        "{\"shape\": (2, 3), \"fortran_order\": False, \"descr\": \"<i4\"}",
        "{ 'descr' :\t'<i4' ,\n 'fortran_order':False,'shape':( 2 , 3 , ) , }   \n",
        "{'descr': u'<i4', 'fortran_order': False, 'shape': (2L, 3L)}\n",
        "{'descr': '\\x3ci4', 'fortran_order': False, 'shape': (0x2, 0o3,)}",
        "{'descr': r'<i4', 'fortran_order': False, 'shape': (+2, 3)}",
        "{'descr': 'i4', 'fortran_order': False, 'shape': ((2), 3)}",
        "{'fortran_order': False, 'shape': (2, 3), 'descr': '<i4',}");
  }

  @ParameterizedTest
  @MethodSource("headersTheSpecAllows")
  void acceptsAnyHeaderTheSpecAllows(String header) throws IOException {
    Path file = Files.write(dir.resolve("ok.npy"), npy(1, header, sixInts()));
    try (NpyArray a = NpyArray.open(file)) {
      assertThat(a.shape()).containsExactly(2, 3);
      assertThat(a.dtype()).isEqualTo(DType.INT32);
      assertThat(a.getLong(1, 2)).isEqualTo(5);
    }
  }

  @Test
  void readsVersionTwoAndThreeHeadersWithUtf8() throws IOException {
    String header = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), } \n";
    for (int major : new int[] {2, 3}) {
      Path file = Files.write(dir.resolve("v" + major + ".npy"), npy(major, header, sixInts()));
      try (NpyArray a = NpyArray.open(file)) {
        assertThat(a.version()).isEqualTo(major + ".0");
        assertThat(a.getLong(1, 0)).isEqualTo(3);
      }
    }
  }

  @Test
  void fortranFlagOnRowsOfOneElementKeepsRowViews() throws IOException {
    String header = "{'descr': '<i4', 'fortran_order': True, 'shape': (6,), }\n";
    Path file = Files.write(dir.resolve("f1d.npy"), npy(1, header, sixInts()));
    try (NpyArray a = NpyArray.open(file)) {
      assertThat(a.fortranOrder()).isTrue();
      assertThat(a.row(4).getInt(0)).isEqualTo(4);
    }
  }

  static Stream<Arguments> malformedFiles() {
    String ok = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }\n";
    byte[] good = npy(1, ok, sixInts());
    byte[] badMagic = good.clone();
    badMagic[5] = 'X';
    byte[] badVersion = good.clone();
    badVersion[6] = 4;
    byte[] badUtf8 =
        npy(3, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", sixInts());
    badUtf8[20] = (byte) 0xff;
    return Stream.of(
        Arguments.of("empty file", new byte[0], 0, "magic string"),
        Arguments.of("text file", "hello world".getBytes(StandardCharsets.US_ASCII), 0, "68 65"),
        Arguments.of("wrong magic", badMagic, 5, "not a .npy file"),
        Arguments.of("unknown version", badVersion, 6, "version 4.0"),
        Arguments.of("truncated preamble", java.util.Arrays.copyOf(good, 9), 8, "truncated header"),
        Arguments.of("truncated header", java.util.Arrays.copyOf(good, 40), 40, "truncated header"),
        Arguments.of(
            "truncated data",
            java.util.Arrays.copyOf(good, good.length - 1),
            good.length - 1,
            "truncated data"),
        Arguments.of("not a dict", npy(1, "['descr']", sixInts()), 10, "a dict literal"),
        Arguments.of(
            "garbage after dict",
            npy(1, ok.strip() + " x", sixInts()),
            10 + ok.strip().length() + 1,
            "end of header"),
        Arguments.of("unterminated string", npy(1, "{'descr: 1}", sixInts()), 11, "string closed"),
        Arguments.of(
            "missing key",
            npy(1, "{'descr': '<i4', 'fortran_order': False}", sixInts()),
            10,
            "the key 'shape'"),
        Arguments.of(
            "extra key",
            npy(1, ok.replace("}", "'foo': 1}"), sixInts()),
            10 + ok.indexOf('}'),
            "only the keys"),
        Arguments.of(
            "duplicate key",
            npy(1, ok.replace("}", "'shape': (2, 3)}"), sixInts()),
            10 + ok.indexOf('}'),
            "each key once"),
        Arguments.of(
            "int fortran_order",
            npy(1, ok.replace("False", "0"), sixInts()),
            10 + ok.indexOf("False"),
            "True or False"),
        Arguments.of(
            "list shape",
            npy(1, ok.replace("(2, 3)", "[2, 3]"), sixInts()),
            10 + ok.indexOf("(2, 3)"),
            "a tuple of ints"),
        Arguments.of(
            "parenthesised int shape",
            npy(1, ok.replace("(2, 3)", "(6)"), sixInts()),
            10 + ok.indexOf("(2, 3)"),
            "a tuple of ints"),
        Arguments.of(
            "float dimension",
            npy(1, ok.replace("(2, 3)", "(2.0, 3)"), sixInts()),
            10 + ok.indexOf("(2, 3)") + 1,
            "an int dimension"),
        Arguments.of(
            "negative dimension",
            npy(1, ok.replace("(2, 3)", "(-2, 3)"), sixInts()),
            10 + ok.indexOf("(2, 3)") + 1,
            "non-negative"),
        Arguments.of(
            "huge dimension",
            npy(1, ok.replace("(2, 3)", "(99999999999999999999,)"), sixInts()),
            10 + ok.indexOf("(2, 3)") + 1,
            "below 2^63"),
        Arguments.of(
            "overflowing shape",
            npy(1, ok.replace("(2, 3)", "(4294967296, 4294967296)"), sixInts()),
            10 + ok.indexOf("(2, 3)"),
            "fits in a signed 64-bit"),
        Arguments.of(
            "overflowing row",
            npy(1, ok.replace("(2, 3)", "(0, 4294967296, 4294967296)"), sixInts()),
            10 + ok.indexOf("(2, 3)"),
            "fits in a signed 64-bit"),
        Arguments.of(
            "object dtype",
            npy(1, ok.replace("<i4", "|O"), sixInts()),
            10 + ok.indexOf("'<i4'"),
            "unsupported dtype '|O'"),
        Arguments.of(
            "unicode dtype",
            npy(1, ok.replace("<i4", "<U3"), sixInts()),
            10 + ok.indexOf("'<i4'"),
            "'<U3'"),
        Arguments.of(
            "datetime dtype",
            npy(1, ok.replace("<i4", "<M8[ns]"), sixInts()),
            10 + ok.indexOf("'<i4'"),
            "'<M8[ns]'"),
        Arguments.of(
            "complex dtype",
            npy(1, ok.replace("<i4", "<c8"), sixInts()),
            10 + ok.indexOf("'<i4'"),
            "'<c8'"),
        Arguments.of(
            "void dtype",
            npy(1, ok.replace("<i4", "|V4"), sixInts()),
            10 + ok.indexOf("'<i4'"),
            "'|V4'"),
        Arguments.of(
            "structured dtype",
            npy(1, ok.replace("'<i4'", "[('a', '<i4')]"), sixInts()),
            10 + ok.indexOf("'<i4'"),
            "structured dtype"),
        Arguments.of(
            "deep nesting", npy(1, "(".repeat(100), sixInts()), 10 + 32, "levels of nesting"),
        Arguments.of(
            "unknown name",
            npy(1, ok.replace("False", "false"), sixInts()),
            10 + ok.indexOf("false".replace('f', 'F')),
            "a literal"),
        Arguments.of("invalid utf-8 in 3.0", badUtf8, 12, "UTF-8"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedFiles")
  void rejectsMalformedFilesNamingFileOffsetAndProblem(
      String name, byte[] bytes, long offset, String fragment) throws IOException {
    Path file = Files.write(dir.resolve(name.replace(' ', '_') + ".npy"), bytes);
    assertThatThrownBy(() -> NpyArray.open(file))
        .isInstanceOfSatisfying(
            NpyFormatException.class,
            e -> {
              assertThat(e.file()).isEqualTo(file);
              assertThat(e.offset()).as(e.getMessage()).isEqualTo(offset);
            })
        .hasMessageContaining(file.toString())
        .hasMessageContaining("at byte " + offset)
        .hasMessageContaining("expected")
        .hasMessageContaining(fragment);
  }

  @Test
  void encodesHeadersNumpyLaysOutOn64ByteBoundaries() throws IOException {
    byte[] header = NpyHeader.encode(DType.parse(">f8"), true, new long[] {7});
    assertThat(header.length % 64).isZero();
    assertThat(header[header.length - 1]).isEqualTo((byte) '\n');
    Path file = dir.resolve("h.npy");
    Files.write(file, header);
    Files.write(file, new byte[56], java.nio.file.StandardOpenOption.APPEND);
    try (FileChannel ch = FileChannel.open(file)) {
      assertThat(NpyHeader.read(ch, file))
          .isEqualTo(new NpyHeader(DType.parse(">f8"), true, new long[] {7}, "1.0", header.length));
    }
  }

  @Test
  void theLargestShapeWrittenStillFitsAVersionOneHeader() throws IOException {
    long[] shape = new long[NpyHeader.MAX_DIMS];
    java.util.Arrays.fill(shape, Long.MAX_VALUE);
    byte[] header = NpyHeader.encode(DType.UINT8, false, shape);
    assertThat(header[6]).isEqualTo((byte) 1);
    Path file = Files.write(dir.resolve("v1.npy"), header);
    try (FileChannel ch = FileChannel.open(file)) {
      // The shape's byte size overflows, but the header itself reads back whole up to there.
      assertThatThrownBy(() -> NpyHeader.read(ch, file))
          .hasMessageContaining("a shape whose byte size fits in a signed 64-bit integer");
    }
  }

  /** Issue 16.7: numpy loads at most 64 dimensions, so neither reading nor writing goes beyond. */
  @Test
  void moreThanSixtyFourDimensionsAreRefusedBothWays() throws IOException {
    long[] shape = new long[65];
    java.util.Arrays.fill(shape, 1);
    assertThatThrownBy(() -> NpyHeader.encode(DType.UINT8, false, shape))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("65 dimensions");
    String dims = "(" + "1, ".repeat(30000) + ")";
    Path file =
        Files.write(
            dir.resolve("deep.npy"),
            npy(2, "{'descr': '|u1', 'fortran_order': False, 'shape': " + dims + "}", new byte[1]));
    assertThatThrownBy(() -> NpyArray.open(file))
        .isInstanceOf(NpyFormatException.class)
        .hasMessageEndingWith("expected at most 64 dimensions, found 30000 dimensions");
  }

  /**
   * Issue 16.7: a 1 MB digit string took 18 s to reject (quadratic {@code BigInteger}) and echoed
   * all of it.
   */
  @Test
  void aHugeNumberIsRejectedAtOnceWithAShortMessage() throws IOException {
    String digits = "9".repeat(1_000_000);
    Path file =
        Files.write(
            dir.resolve("digits.npy"),
            npy(
                2,
                "{'descr': '<i4', 'fortran_order': False, 'shape': (" + digits + ",)}",
                sixInts()));
    // A hang guard, generous for a loaded machine: the quadratic parse took 18 s.
    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () ->
            assertThatThrownBy(() -> NpyArray.open(file))
                .isInstanceOf(NpyFormatException.class)
                .hasMessageContaining(
                    "expected a number of at most 100 characters, found a number of 1000000"
                        + " characters \"9999999999999999999999999999999999999999...\"")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(300)));
  }

  @Test
  void aHugeDescrIsQuotedShort() throws IOException {
    String descr = "x".repeat(100_000);
    Path file =
        Files.write(
            dir.resolve("descr.npy"),
            npy(2, "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (6,)}", sixInts()));
    assertThatThrownBy(() -> NpyArray.open(file))
        .isInstanceOf(NpyFormatException.class)
        .hasMessageEndingWith("found unsupported dtype '" + "x".repeat(40) + "...'")
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(400));
  }

  @Test
  void reportsUtf8ByteOffsetsInVersionThreeHeaders() throws IOException {
    String header = "{'descr': '<i4', 'é': 1, 'fortran_order': False, 'shape': (2, 3), }";
    Path file = Files.write(dir.resolve("utf8.npy"), npy(3, header, sixInts()));
    // 'é' is two bytes in UTF-8, so the offset is that of the key in bytes, 12 + 17
    assertThatThrownBy(() -> NpyArray.open(file))
        .isInstanceOfSatisfying(
            NpyFormatException.class, e -> assertThat(e.offset()).isEqualTo(29));
    String after = "{'é': '<i4', 'x': 1}";
    Path second = Files.write(dir.resolve("utf8b.npy"), npy(3, after, sixInts()));
    assertThatThrownBy(() -> NpyArray.open(second))
        .isInstanceOfSatisfying(
            NpyFormatException.class,
            e -> assertThat(e.offset()).isEqualTo(12 + 1)); // the first bad key
  }
}
