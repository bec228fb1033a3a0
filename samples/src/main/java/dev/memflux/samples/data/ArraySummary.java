package dev.memflux.samples.data;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import java.math.BigInteger;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * What an array holds, as {@code memflux inspect} shows it: shape, dtype, order, format version,
 * element count, float64 sum, and the first (all indices 0) and last (all indices -1) element; as
 * aligned text or as one JSON object.
 *
 * <pre>{@code
 * try (NpyArray a = NpyArray.open(Path.of("train_x.npy"))) {
 *   System.out.println(ArraySummary.of(a, 4 << 20).toJson());
 * }
 * }</pre>
 *
 * @param file the array's file
 * @param shape its dimensions
 * @param dtype its element type
 * @param fortranOrder whether it is stored in Fortran order
 * @param version its .npy format version, or {@code "raw"}
 * @param count its element count
 * @param sum the float64 sum of its elements
 * @param first the first element, or null when there is none: a {@code Long} for integers (0 or 1
 *     for bool), a {@code BigInteger} for a uint64 beyond {@code Long.MAX_VALUE}, a {@code Float}
 *     for float16 and float32, a {@code Double} for float64
 * @param last the last element, as {@code first}
 */
public record ArraySummary(
    Path file,
    long[] shape,
    DType dtype,
    boolean fortranOrder,
    String version,
    long count,
    double sum,
    @Nullable Number first,
    @Nullable Number last) {

  // Compact, "<f4" kept as is (not escaped as HTML), and null fields written: "first":null is data.
  private static final Gson GSON =
      new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

  /** Copies the shape in. */
  public ArraySummary {
    shape = shape.clone();
  }

  /** The dimensions; a copy. */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  /**
   * Summarises {@code a}, reading every element once for the sum, in blocks of about {@code
   * blockBytes}.
   */
  public static ArraySummary of(NpyArray a, int blockBytes) {
    boolean empty = a.count() == 0;
    return new ArraySummary(
        a.path(),
        a.shape(),
        a.dtype(),
        a.fortranOrder(),
        a.version(),
        a.count(),
        ArraySum.of(a, blockBytes),
        empty ? null : element(a, new long[a.ndim()]),
        empty ? null : element(a, lastIndex(a)));
  }

  private static long[] lastIndex(NpyArray a) {
    long[] index = a.shape();
    for (int i = 0; i < index.length; i++) {
      index[i]--;
    }
    return index;
  }

  private static Number element(NpyArray a, long[] index) {
    return switch (a.dtype().kind()) {
      case BOOL, INT -> a.getLong(index);
      case UINT -> {
        long v = a.getLong(index);
        yield v >= 0 ? (Number) v : new BigInteger(Long.toUnsignedString(v));
      }
      // float16 and float32 values print as the shortest float text: 0.1, not 0.10000000149
      case FLOAT ->
          a.dtype().itemSize() < 8 ? (Number) (float) a.getDouble(index) : a.getDouble(index);
    };
  }

  /** The summary as one JSON object; numbers JSON cannot hold (NaN, infinities) become strings. */
  public String toJson() {
    JsonArray dims = new JsonArray();
    for (long d : shape) {
      dims.add(d);
    }
    JsonObject json = new JsonObject();
    json.add("shape", dims);
    json.addProperty("descr", dtype.descr());
    json.addProperty("fortran_order", fortranOrder);
    json.addProperty("version", version);
    json.addProperty("count", count);
    json.add("sum", jsonNumber(sum));
    json.add("first", jsonValue(first));
    json.add("last", jsonValue(last));
    return GSON.toJson(json);
  }

  /**
   * The summary as aligned text lines, numbers as numpy prints them ({@code nan}, {@code True}).
   */
  public String toText() {
    String[][] rows = {
      {"file", file.toString()},
      {"shape", NpyArray.shapeString(shape)},
      {"dtype", dtype.descr()},
      {"order", fortranOrder ? "Fortran" : "C"},
      {"version", version},
      {"count", Long.toString(count)},
      {"sum", textNumber(sum)},
      {"first", textValue(first)},
      {"last", textValue(last)},
    };
    StringBuilder s = new StringBuilder();
    for (String[] row : rows) {
      s.append(s.length() == 0 ? "" : System.lineSeparator())
          .append(String.format("%-9s%s", row[0] + ":", row[1]));
    }
    return s.toString();
  }

  private JsonElement jsonValue(@Nullable Number v) {
    if (v == null) {
      return JsonNull.INSTANCE;
    }
    return switch (dtype.kind()) {
      case BOOL -> new JsonPrimitive(v.longValue() != 0);
      case INT, UINT -> new JsonPrimitive(v);
      case FLOAT -> jsonNumber(v);
    };
  }

  private String textValue(@Nullable Number v) {
    if (v == null) {
      return "-";
    }
    return switch (dtype.kind()) {
      case BOOL -> v.longValue() != 0 ? "True" : "False";
      case INT, UINT -> v.toString();
      case FLOAT -> textNumber(v);
    };
  }

  /** A float as JSON: its shortest text, or a string for what JSON has no number for. */
  private static JsonPrimitive jsonNumber(Number v) {
    double d = v.doubleValue();
    // Strings as Python's json.loads spells them, which float() then reads back.
    return Double.isFinite(d) ? new JsonPrimitive(v) : new JsonPrimitive(Double.toString(d));
  }

  private static String textNumber(Number v) {
    double d = v.doubleValue();
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    return v.toString();
  }
}
