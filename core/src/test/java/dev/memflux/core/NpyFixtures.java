package dev.memflux.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** The numpy-written fixtures under {@code src/test/resources/npy} and their expected contents. */
final class NpyFixtures {

  private NpyFixtures() {}

  /**
   * One line of {@code expected.txt}.
   *
   * @param values every element in C order as numpy printed it
   */
  record Fixture(
      Path path, String descr, boolean fortran, String version, long[] shape, String[] values) {

    DType dtype() {
      return DType.parse(descr);
    }

    boolean isRaw() {
      return version.startsWith("offset=");
    }

    long rawOffset() {
      return Long.parseLong(version.substring("offset=".length()));
    }

    /** Expected element {@code i} (C order) as a double, NaN and infinities included. */
    double expectedDouble(int i) {
      return switch (values[i]) {
        case "inf" -> Double.POSITIVE_INFINITY;
        case "-inf" -> Double.NEGATIVE_INFINITY;
        case "nan" -> Double.NaN;
        default ->
            dtype().kind() == DType.Kind.UINT && dtype().itemSize() == 8
                ? unsignedToDouble(Long.parseUnsignedLong(values[i]))
                : Double.parseDouble(values[i]);
      };
    }

    /** Expected element {@code i} of an integer or bool fixture as the 64 bits getLong returns. */
    long expectedBits(int i) {
      return values[i].startsWith("-")
          ? Long.parseLong(values[i])
          : Long.parseUnsignedLong(values[i]);
    }

    @Override
    public String toString() {
      return path.getFileName().toString();
    }
  }

  static double unsignedToDouble(long v) {
    return v >= 0 ? v : ((double) ((v >>> 1) | (v & 1))) * 2.0;
  }

  static Path directory() {
    try {
      return Path.of(NpyFixtures.class.getResource("/npy/expected.txt").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<Fixture> all() {
    Path dir = directory();
    try {
      return Files.readAllLines(dir.resolve("expected.txt")).stream()
          .filter(line -> !line.isBlank())
          .map(line -> parse(dir, line))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Fixture get(String name) {
    return all().stream()
        .filter(f -> f.path().getFileName().toString().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static Fixture parse(Path dir, String line) {
    String[] cols = line.split("\t", -1);
    long[] shape =
        cols[4].isEmpty()
            ? new long[0]
            : Arrays.stream(cols[4].split(",")).mapToLong(Long::parseLong).toArray();
    String[] values = cols[5].isEmpty() ? new String[0] : cols[5].split(" ");
    return new Fixture(dir.resolve(cols[0]), cols[1], cols[2].equals("1"), cols[3], shape, values);
  }

  /** Element {@code i} of a native-order buffer of {@code dtype} elements, as a double. */
  static double decodeNative(ByteBuffer buffer, int i, DType dtype) {
    ByteBuffer b = buffer.duplicate().order(ByteOrder.nativeOrder());
    int at = i * dtype.itemSize();
    return switch (dtype.kind()) {
      case BOOL -> b.get(at) != 0 ? 1 : 0;
      case INT ->
          switch (dtype.itemSize()) {
            case 1 -> b.get(at);
            case 2 -> b.getShort(at);
            case 4 -> b.getInt(at);
            default -> b.getLong(at);
          };
      case UINT ->
          switch (dtype.itemSize()) {
            case 1 -> b.get(at) & 0xff;
            case 2 -> b.getShort(at) & 0xffff;
            case 4 -> b.getInt(at) & 0xffffffffL;
            default -> unsignedToDouble(b.getLong(at));
          };
      case FLOAT ->
          switch (dtype.itemSize()) {
            case 2 -> Half.toFloat(b.getShort(at));
            case 4 -> b.getFloat(at);
            default -> b.getDouble(at);
          };
    };
  }
}
