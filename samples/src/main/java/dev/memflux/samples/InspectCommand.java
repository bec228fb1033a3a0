package dev.memflux.samples;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import dev.memflux.samples.data.IdxFile;
import dev.memflux.samples.report.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code memflux inspect FILE [--json]}: what a .npy (or raw np.memmap) file holds: shape, dtype,
 * order, format version, element count, float64 sum, first and last element.
 *
 * <pre>
 * memflux inspect train_x.npy --json
 * memflux inspect data.bin --raw --dtype '&lt;f4' --shape 1000,3,32,32 --offset 0
 * </pre>
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Print the shape, dtype, order, format version, element count, sum (float64),",
      "first element (all indices 0) and last element (all indices -1) of a .npy file."
    })
final class InspectCommand implements Callable<Integer> {

  /** Bytes summed per gather; rows larger than this are summed element by element. */
  static final int BLOCK_BYTES = 4 << 20;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "a .npy file, or raw with --raw")
  private Path file;

  @Option(names = "--json", description = "print one JSON object instead of text")
  private boolean json;

  @Option(names = "--raw", description = "FILE is headerless (np.memmap); needs --dtype, --shape")
  private boolean raw;

  @Mixin private RawLayout layout;

  /** Prints the summary; errors go to picocli's handlers set up in {@link Main}. */
  @Override
  public Integer call() throws IOException {
    try (NpyArray array = open()) {
      PrintWriter out = spec.commandLine().getOut();
      out.println(json ? toJson(array, BLOCK_BYTES) : toText(array, BLOCK_BYTES));
      out.flush();
    }
    return 0;
  }

  private NpyArray open() throws IOException {
    if (raw) {
      return layout.resolve().open(file);
    }
    if (layout.given()) {
      throw usage("--dtype, --shape and --offset are for headerless files: add --raw");
    }
    return NpyArray.open(file);
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** The summary as one JSON object (numbers that JSON cannot hold become strings). */
  static String toJson(NpyArray a, int blockBytes) {
    boolean empty = a.count() == 0;
    return new Json()
        .field("shape", Json.array(a.shape()))
        .field("descr", Json.string(a.dtype().descr()))
        .field("fortran_order", Boolean.toString(a.fortranOrder()))
        .field("version", Json.string(a.version()))
        .field("count", Long.toString(a.count()))
        .field("sum", jsonNumber(sum(a, blockBytes), 8))
        .field("first", empty ? "null" : jsonValue(a, firstIndex(a)))
        .field("last", empty ? "null" : jsonValue(a, lastIndex(a)))
        .toString();
  }

  /** The summary as aligned text lines. */
  static String toText(NpyArray a, int blockBytes) {
    boolean empty = a.count() == 0;
    String[][] rows = {
      {"file", a.path().toString()},
      {"shape", IdxFile.shapeString(a.shape())},
      {"dtype", a.dtype().descr()},
      {"order", a.fortranOrder() ? "Fortran" : "C"},
      {"version", a.version()},
      {"count", Long.toString(a.count())},
      {"sum", textNumber(sum(a, blockBytes), 8)},
      {"first", empty ? "-" : textValue(a, firstIndex(a))},
      {"last", empty ? "-" : textValue(a, lastIndex(a))},
    };
    StringBuilder s = new StringBuilder();
    for (String[] row : rows) {
      s.append(s.length() == 0 ? "" : System.lineSeparator())
          .append(String.format("%-9s%s", row[0] + ":", row[1]));
    }
    return s.toString();
  }

  private static long[] firstIndex(NpyArray a) {
    return new long[a.ndim()];
  }

  private static long[] lastIndex(NpyArray a) {
    long[] index = a.shape();
    for (int i = 0; i < index.length; i++) {
      index[i]--;
    }
    return index;
  }

  /**
   * The float64 sum of all elements, in C order. Rows are gathered in blocks of about {@code
   * blockBytes} and decoded from native order; larger rows are read element by element.
   */
  static double sum(NpyArray a, int blockBytes) {
    if (a.count() == 0) {
      return 0;
    }
    if (a.rowBytes() > blockBytes) {
      return sumByElement(a);
    }
    int rowsPerBlock = (int) Math.max(1, blockBytes / Math.max(1, a.rowBytes()));
    ByteBuffer block =
        ByteBuffer.allocateDirect((int) (rowsPerBlock * a.rowBytes()))
            .order(ByteOrder.nativeOrder());
    long[] ids = new long[rowsPerBlock];
    double sum = 0;
    for (long row = 0; row < a.rows(); row += rowsPerBlock) {
      int n = (int) Math.min(rowsPerBlock, a.rows() - row);
      for (int i = 0; i < n; i++) {
        ids[i] = row + i;
      }
      block.clear();
      a.gather(ids, 0, n, block);
      block.flip();
      sum += sumNative(block, a.dtype());
    }
    return sum;
  }

  private static double sumNative(ByteBuffer b, DType t) {
    double sum = 0;
    int size = t.itemSize();
    for (int at = 0; at < b.limit(); at += size) {
      sum +=
          switch (t.kind()) {
            case BOOL -> b.get(at) != 0 ? 1 : 0;
            case INT ->
                switch (size) {
                  case 1 -> b.get(at);
                  case 2 -> b.getShort(at);
                  case 4 -> b.getInt(at);
                  default -> b.getLong(at);
                };
            case UINT ->
                switch (size) {
                  case 1 -> b.get(at) & 0xff;
                  case 2 -> b.getShort(at) & 0xffff;
                  case 4 -> b.getInt(at) & 0xffffffffL;
                  default -> unsignedToDouble(b.getLong(at));
                };
            case FLOAT ->
                switch (size) {
                  case 2 -> halfToDouble(b.getShort(at));
                  case 4 -> b.getFloat(at);
                  default -> b.getDouble(at);
                };
          };
    }
    return sum;
  }

  private static double unsignedToDouble(long v) {
    return v >= 0 ? v : ((double) ((v >>> 1) | (v & 1))) * 2.0;
  }

  /** float16 has no Java 17 type; NpyArray decodes it, so for whole blocks decode it here. */
  private static double halfToDouble(short h) {
    int exponent = (h >>> 10) & 0x1f;
    int mantissa = h & 0x3ff;
    double magnitude =
        exponent == 0x1f
            ? (mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
            : exponent == 0 ? mantissa * 0x1p-24 : Math.scalb(1024 + mantissa, exponent - 25);
    return (h & 0x8000) != 0 ? -magnitude : magnitude;
  }

  private static double sumByElement(NpyArray a) {
    long[] shape = a.shape();
    long[] index = new long[shape.length];
    double sum = 0;
    for (long e = 0; e < a.count(); e++) {
      sum += a.getDouble(index);
      for (int axis = shape.length - 1; axis >= 0 && ++index[axis] == shape[axis]; axis--) {
        index[axis] = 0;
      }
    }
    return sum;
  }

  private static String jsonValue(NpyArray a, long[] index) {
    return switch (a.dtype().kind()) {
      case BOOL -> a.getLong(index) != 0 ? "true" : "false";
      case INT -> Long.toString(a.getLong(index));
      case UINT -> Long.toUnsignedString(a.getLong(index));
      case FLOAT -> jsonNumber(a.getDouble(index), a.dtype().itemSize());
    };
  }

  private static String textValue(NpyArray a, long[] index) {
    return switch (a.dtype().kind()) {
      case BOOL -> a.getLong(index) != 0 ? "True" : "False";
      case INT, UINT -> jsonValue(a, index);
      case FLOAT -> textNumber(a.getDouble(index), a.dtype().itemSize());
    };
  }

  /** Shortest text for a float of {@code itemSize} bytes, so a float32 0.1 prints as 0.1. */
  private static String decimal(double v, int itemSize) {
    return itemSize < 8 ? Float.toString((float) v) : Double.toString(v);
  }

  private static String jsonNumber(double v, int itemSize) {
    if (Double.isNaN(v)) {
      return "\"NaN\"";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    }
    return decimal(v, itemSize);
  }

  private static String textNumber(double v, int itemSize) {
    if (Double.isNaN(v)) {
      return "nan";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "inf" : "-inf";
    }
    return decimal(v, itemSize);
  }
}
