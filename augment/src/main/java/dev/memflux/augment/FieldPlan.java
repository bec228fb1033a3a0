package dev.memflux.augment;

import dev.memflux.core.DType;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.StringJoiner;

/**
 * How one field of a batch is augmented: its checked geometry before and after, the ops that apply
 * to it with their positions in the stage, and how rows are decoded to and encoded from a {@link
 * FloatSample}. Built once per subscription (again only if a row shape or dtype changes).
 */
final class FieldPlan {

  final int field;
  final ImageLayout layout;
  final DType inType;
  final DType outType;
  final Geometry inGeometry;
  final Geometry outGeometry;
  final long[] outRowShape;
  final int inRowBytes;
  final int outRowBytes;

  /** Largest image any op sees or makes: the scratch each worker needs. */
  final int capacity;

  private final ImageOp[] ops;
  private final int[] opIndices;
  private final boolean integral;
  private final double low;
  private final double high;

  private FieldPlan(
      int field,
      ImageLayout layout,
      DType inType,
      DType outType,
      Geometry in,
      Geometry out,
      long[] outRowShape,
      int capacity,
      ImageOp[] ops,
      int[] opIndices) {
    this.field = field;
    this.layout = layout;
    this.inType = inType;
    this.outType = outType;
    this.inGeometry = in;
    this.outGeometry = out;
    this.outRowShape = outRowShape;
    this.inRowBytes = Math.multiplyExact(in.size(), inType.itemSize());
    this.outRowBytes = Math.multiplyExact(out.size(), outType.itemSize());
    this.capacity = capacity;
    this.ops = ops;
    this.opIndices = opIndices;
    this.integral = inType.kind() != DType.Kind.FLOAT;
    this.low = lowest(inType);
    this.high = highest(inType);
  }

  /**
   * Checks the ops against the field's shape (a batch shape: rows first) and type.
   *
   * @throws IllegalArgumentException naming the field and its shape when they do not fit
   */
  static FieldPlan of(int field, long[] shape, DType type, ImageLayout layout, List<Step> steps) {
    String name =
        "field "
            + field
            + " of shape "
            + Arrays.toString(shape)
            + " ("
            + layout
            + ", "
            + type
            + ")";
    if (type.kind() == DType.Kind.FLOAT && type.itemSize() == 2) {
      throw new IllegalArgumentException("augment does not read float16: " + name);
    }
    Geometry in = geometry(shape, layout, name);
    List<ImageOp> ops = new ArrayList<>();
    List<Integer> indices = new ArrayList<>();
    Geometry g = in;
    int capacity = in.size();
    boolean toFloat = false;
    for (int i = 0; i < steps.size(); i++) {
      Step step = steps.get(i);
      if (step.appliesTo(field)) {
        g = step.op().outputOf(g, name);
        capacity = Math.max(capacity, g.size());
        toFloat |= step.op() instanceof ToFloat;
        ops.add(step.op());
        indices.add(i);
      }
    }
    long[] outRow =
        shape.length == 3
            ? new long[] {g.height(), g.width()}
            : layout == ImageLayout.CHW
                ? new long[] {g.channels(), g.height(), g.width()}
                : new long[] {g.height(), g.width(), g.channels()};
    return new FieldPlan(
        field,
        layout,
        type,
        toFloat ? DType.FLOAT32 : type,
        in,
        g,
        outRow,
        capacity,
        ops.toArray(new ImageOp[0]),
        indices.stream().mapToInt(Integer::intValue).toArray());
  }

  private static Geometry geometry(long[] shape, ImageLayout layout, String name) {
    int rank = shape.length - 1;
    if (rank != 3 && !(rank == 2 && layout == ImageLayout.CHW)) {
      throw new IllegalArgumentException(
          "an image row must be "
              + (layout == ImageLayout.CHW ? "(C, H, W) or (H, W)" : "(H, W, C)")
              + ", "
              + name
              + " has rows of rank "
              + rank);
    }
    for (int d = 1; d < shape.length; d++) {
      if (shape[d] < 1 || shape[d] > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("image dimensions must be >= 1: " + name);
      }
    }
    if (rank == 2) {
      return new Geometry(1, (int) shape[1], (int) shape[2]);
    }
    long c = layout == ImageLayout.CHW ? shape[1] : shape[3];
    long other = layout == ImageLayout.CHW ? shape[3] : shape[1];
    // A common mistake is declaring the wrong layout; many channels where the other layout would
    // see 1, 3 or 4 gives it away, while genuine many-channel images keep large spatial sizes.
    if (c > 4 && (other == 1 || other == 3 || other == 4)) {
      throw new IllegalArgumentException(
          "layout "
              + layout
              + " does not match "
              + name
              + ": it would have "
              + c
              + " channels; is it "
              + (layout == ImageLayout.CHW ? "HWC" : "CHW")
              + "?");
    }
    return layout == ImageLayout.CHW
        ? new Geometry((int) shape[1], (int) shape[2], (int) shape[3])
        : new Geometry((int) shape[3], (int) shape[1], (int) shape[2]);
  }

  /** True when the result fits the input row exactly, so it is written back in place. */
  boolean inPlace() {
    return outRowBytes == inRowBytes && outType.equals(inType);
  }

  /**
   * Augments the row at {@code pos} of {@code src} into the row at {@code pos} of {@code dst}
   * (possibly the same buffer: the row is fully read before it is written).
   *
   * @throws AugmentException when an op throws
   */
  void process(Worker w, long seed, long epoch, long id, Rows src, Rows dst, int pos) {
    FloatSample s = w.sample;
    s.reset(id, epoch, inGeometry.channels(), inGeometry.height(), inGeometry.width(), capacity);
    s.integral(integral, low, high);
    read(src, pos * inRowBytes, s, w);
    // Consecutive pixel moves are composed and resampled once, when a different op or the end
    // comes; each still draws from its own generator, so the result is as if applied one by one.
    Resampler moves = w.resampler;
    int firstMove = -1; // of the moves being composed, or -1
    for (int k = 0; k < ops.length; k++) {
      if (!(ops[k] instanceof PixelMove) && firstMove >= 0) {
        resample(moves, firstMove, k, id, epoch);
        firstMove = -1;
      }
      w.rng.reset(Rng.seedFor(seed, epoch, id, opIndices[k]));
      try {
        if (ops[k] instanceof PixelMove move) {
          if (firstMove < 0) {
            moves.start(s);
            firstMove = k;
          }
          move.compose(moves, w.rng);
        } else {
          ops[k].apply(s, w.rng);
        }
      } catch (RuntimeException e) {
        throw new AugmentException(ops[k].toString(), id, epoch, field, e);
      }
    }
    if (firstMove >= 0) {
      resample(moves, firstMove, ops.length, id, epoch);
    }
    write(s, dst, pos * outRowBytes, w);
  }

  /** Applies the composed moves ops[from, to); a failure names them all. */
  private void resample(Resampler moves, int from, int to, long id, long epoch) {
    try {
      moves.finish();
    } catch (RuntimeException e) {
      StringJoiner names = new StringJoiner(" + ");
      for (int k = from; k < to; k++) {
        names.add(ops[k].toString());
      }
      throw new AugmentException(names.toString(), id, epoch, field, e);
    }
  }

  /** A field's buffer, with a float view made once per worker task for bulk float32 copies. */
  record Rows(ByteBuffer bytes, FloatBuffer floats) {

    static Rows of(ByteBuffer b) {
      return new Rows(b, b.asFloatBuffer());
    }
  }

  private void read(Rows rows, int offset, FloatSample s, Worker w) {
    ByteBuffer b = rows.bytes();
    int n = inGeometry.size();
    boolean transpose = layout == ImageLayout.HWC && s.channels() > 1;
    float[] out = transpose ? s.spare() : s.array();
    if (inType.equals(DType.UINT8)) {
      byte[] bytes = w.bytes(n);
      b.get(offset, bytes, 0, n);
      for (int i = 0; i < n; i++) {
        out[i] = bytes[i] & 0xff;
      }
    } else if (inType.equals(DType.FLOAT32)) {
      rows.floats().get(offset / 4, out, 0, n);
    } else {
      for (int i = 0; i < n; i++) {
        out[i] = (float) inType.getDouble(b, offset + i * inType.itemSize());
      }
    }
    if (transpose) {
      hwcToChw(out, s.array(), s.channels(), s.height() * s.width());
    }
  }

  private void write(FloatSample s, Rows rows, int offset, Worker w) {
    ByteBuffer b = rows.bytes();
    int n = outGeometry.size();
    float[] v = s.array();
    if (layout == ImageLayout.HWC && s.channels() > 1) {
      chwToHwc(v, s.spare(), s.channels(), s.height() * s.width());
      v = s.spare();
    }
    if (outType.equals(DType.FLOAT32)) {
      rows.floats().put(offset / 4, v, 0, n);
    } else if (outType.equals(DType.UINT8)) {
      byte[] bytes = w.bytes(n);
      for (int i = 0; i < n; i++) {
        int q = Math.round(v[i]);
        bytes[i] = (byte) (q < 0 ? 0 : q > 255 ? 255 : q);
      }
      b.put(offset, bytes, 0, n);
    } else {
      for (int i = 0; i < n; i++) {
        encode(b, offset + i * outType.itemSize(), v[i]);
      }
    }
  }

  private static void hwcToChw(float[] hwc, float[] chw, int channels, int plane) {
    for (int p = 0, i = 0; p < plane; p++) {
      for (int c = 0; c < channels; c++) {
        chw[c * plane + p] = hwc[i++];
      }
    }
  }

  private static void chwToHwc(float[] chw, float[] hwc, int channels, int plane) {
    for (int p = 0, i = 0; p < plane; p++) {
      for (int c = 0; c < channels; c++) {
        hwc[i++] = chw[c * plane + p];
      }
    }
  }

  private void encode(ByteBuffer b, int at, float v) {
    if (outType.kind() == DType.Kind.FLOAT) {
      if (outType.itemSize() == 4) {
        b.putFloat(at, v);
      } else {
        b.putDouble(at, v);
      }
      return;
    }
    // Round half up and clamp to the type, in double so 32-bit ranges are exact.
    double r = Math.floor((double) v + 0.5);
    double q = Double.isNaN(r) ? 0 : Math.max(low, Math.min(high, r));
    switch (outType.itemSize()) {
      case 1 -> b.put(at, (byte) (long) q);
      case 2 -> b.putShort(at, (short) (long) q);
      case 4 -> b.putInt(at, (int) (long) q);
      default -> b.putLong(at, q >= 0x1p63 ? (long) (q - 0x1p64) : (long) q);
    }
  }

  private static double lowest(DType t) {
    if (t.kind() != DType.Kind.INT) {
      return t.kind() == DType.Kind.FLOAT ? Double.NEGATIVE_INFINITY : 0;
    }
    return -Math.pow(2, 8 * t.itemSize() - 1);
  }

  private static double highest(DType t) {
    return switch (t.kind()) {
      case FLOAT -> Double.POSITIVE_INFINITY;
      case BOOL -> 1;
      case INT -> Math.pow(2, 8 * t.itemSize() - 1) - 1;
      // 2^64 - 1 is not a double: the largest double below 2^64 still encodes as an unsigned long.
      case UINT -> t.itemSize() == 8 ? Math.nextDown(0x1p64) : Math.pow(2, 8 * t.itemSize()) - 1;
    };
  }
}
