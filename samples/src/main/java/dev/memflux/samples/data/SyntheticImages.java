package dev.memflux.samples.data;

import dev.memflux.core.DType;
import dev.memflux.core.NpyWriter;
import dev.memflux.core.stage.Seeds;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A built-in 10-class dataset of 28×28 grey images of shapes, the stand-in for Fashion-MNIST when
 * it is not installed. Each image is a pure function of (seed, index), so any image can be made on
 * its own, in any order, on any thread.
 *
 * <pre>{@code
 * SyntheticImages train = new SyntheticImages(42);
 * byte[] pixels = new byte[SyntheticImages.PIXELS];
 * train.render(7, pixels, 0);        // row-major, 0..255
 * int label = train.label(7);        // 0..9
 * train.writeNpy(60_000, Path.of("train_x.npy"), Path.of("train_y.npy"));
 * }</pre>
 *
 * <p>The classes, by label: disc, ring, square outline, filled square, triangle, cross, horizontal
 * stripes, vertical stripes, diagonal line, two blobs. Every class varies in position, size,
 * rotation, stroke and contrast, under pixel noise and an occasional occluding patch: a linear
 * model or a small MLP learns it well but not perfectly, a CNN better. Labels are balanced: every
 * block of ten consecutive images holds each class once.
 */
public final class SyntheticImages {

  /** Number of classes. */
  public static final int CLASSES = 10;

  /** Image width and height in pixels. */
  public static final int SIDE = 28;

  /** Pixels per image. */
  public static final int PIXELS = SIDE * SIDE;

  /** Separate seed streams, so labels and image contents never share random draws. */
  private static final long LABEL_STREAM = 0;

  private static final long IMAGE_STREAM = 1;
  private static final double SQRT3_HALF = Math.sqrt(3) / 2;

  private final long seed;

  /** A dataset whose images are all determined by {@code seed}. */
  public SyntheticImages(long seed) {
    this.seed = seed;
  }

  /**
   * The class of image {@code i}: a seeded permutation of 0..9 within each block of ten images.
   *
   * @throws IllegalArgumentException when {@code i} is negative
   */
  public int label(long i) {
    checkIndex(i);
    SplittableRandom random = new SplittableRandom(Seeds.derive(seed, LABEL_STREAM, i / CLASSES));
    int[] perm = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    for (int k = CLASSES - 1; k > 0; k--) {
      int j = random.nextInt(k + 1);
      int t = perm[k];
      perm[k] = perm[j];
      perm[j] = t;
    }
    return perm[(int) (i % CLASSES)];
  }

  /**
   * Draws image {@code i} into {@code dst[offset .. offset + PIXELS)}, row-major, values 0..255.
   *
   * @throws IllegalArgumentException when {@code i} is negative
   * @throws IndexOutOfBoundsException when {@code dst} has no room for the image at {@code offset}
   */
  public void render(long i, byte[] dst, int offset) {
    int label = label(i);
    if (offset < 0 || offset > dst.length - PIXELS) {
      throw new IndexOutOfBoundsException(
          "offset " + offset + " leaves no room for " + PIXELS + " pixels in " + dst.length);
    }
    SplittableRandom r = new SplittableRandom(Seeds.derive(seed, IMAGE_STREAM, i));
    double cx = SIDE / 2.0 + r.nextDouble(-1.75, 1.75);
    double cy = SIDE / 2.0 + r.nextDouble(-1.75, 1.75);
    double size = r.nextDouble(7, 10);
    double stroke = r.nextDouble(1.0, 2.2);
    // Stripes and the diagonal would turn into other classes if rotated freely.
    boolean oriented = label == 6 || label == 7 || label == 8;
    double angle = oriented ? r.nextDouble(-0.3, 0.3) : r.nextDouble(0, 2 * Math.PI);
    if (label == 8 && r.nextBoolean()) {
      angle += Math.PI / 2; // "\" as well as "/"
    }
    double period = r.nextDouble(3.5, 5.5);
    double background = r.nextDouble(0, 50);
    double foreground = r.nextDouble(130, 255);
    double noise = r.nextDouble(5, 25);
    double cos = Math.cos(angle);
    double sin = Math.sin(angle);
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        double dx = x + 0.5 - cx;
        double dy = y + 0.5 - cy;
        double u = cos * dx + sin * dy;
        double v = -sin * dx + cos * dy;
        double coverage = coverage(label, u, v, size, stroke, period);
        // Triangular noise (sum of two uniforms): cheap, bounded, roughly bell-shaped.
        double value =
            background
                + coverage * (foreground - background)
                + noise * (r.nextDouble() + r.nextDouble() - 1);
        dst[offset + y * SIDE + x] = (byte) Math.max(0, Math.min(255, (int) Math.round(value)));
      }
    }
    if (r.nextInt(6) == 0) {
      occlude(r, dst, offset, background);
    }
  }

  /** How much of the pixel at shape-local (u, v) the class's shape covers, 0..1. */
  private static double coverage(
      int label, double u, double v, double size, double stroke, double period) {
    double au = Math.abs(u);
    double av = Math.abs(v);
    double radius = Math.sqrt(u * u + v * v);
    double distance =
        switch (label) {
          case 0 -> radius - size * 0.8;
          case 1 -> Math.abs(radius - size * 0.8) - stroke;
          case 2 -> Math.abs(Math.max(au, av) - size * 0.7) - stroke;
          case 3 -> Math.max(au, av) - size * 0.65;
          case 4 -> triangle(u, v, size);
          case 5 -> Math.min(Math.max(au - stroke, av - size), Math.max(av - stroke, au - size));
          case 6 -> stripes(v, Math.max(au, av) - size * 0.8, period);
          case 7 -> stripes(u, Math.max(au, av) - size * 0.8, period);
          case 8 -> diagonal(u, v, size, stroke);
          // Two discs at (±0.55 size, 0): by symmetry, the distance to the nearer one.
          case 9 -> Math.sqrt((au - size * 0.55) * (au - size * 0.55) + v * v) - size * 0.4;
          default -> throw new IllegalStateException("label " + label);
        };
    // A one-pixel ramp across the edge: anti-aliased, so the size varies smoothly.
    return Math.max(0, Math.min(1, 0.5 - distance));
  }

  /** Signed distance (approximately) to an equilateral triangle with circumradius {@code size}. */
  private static double triangle(double u, double v, double size) {
    double d = -v; // the edge facing up: outward normal (0, -1)
    d = Math.max(d, SQRT3_HALF * u + 0.5 * v);
    d = Math.max(d, -SQRT3_HALF * u + 0.5 * v);
    return d - size * 0.5;
  }

  /** Stripes across {@code along}, clipped to the region where {@code box <= 0}. */
  private static double stripes(double along, double box, double period) {
    double wave = Math.cos(2 * Math.PI * along / period);
    return Math.max(box, -2 * wave);
  }

  /** A line at 45° through the centre, {@code stroke} thick. */
  private static double diagonal(double u, double v, double size, double stroke) {
    double a = (u + v) * (Math.sqrt(2) / 2);
    double b = (u - v) * (Math.sqrt(2) / 2);
    return Math.max(Math.abs(b) - stroke, Math.abs(a) - size * 1.1);
  }

  /** Paints a random rectangle in the background level over part of the image. */
  private static void occlude(SplittableRandom r, byte[] dst, int offset, double background) {
    int w = r.nextInt(4, 9);
    int h = r.nextInt(4, 9);
    int x0 = r.nextInt(0, SIDE - w + 1);
    int y0 = r.nextInt(0, SIDE - h + 1);
    byte level = (byte) Math.round(background);
    for (int y = y0; y < y0 + h; y++) {
      for (int x = x0; x < x0 + w; x++) {
        dst[offset + y * SIDE + x] = level;
      }
    }
  }

  /**
   * Writes images {@code 0 .. count-1} to {@code images} as a (count, 1, 28, 28) uint8 .npy and
   * their labels to {@code labels} as a (count,) int64 .npy. Each file appears whole or not at all
   * (see {@link NpyWriter}): both are complete before either is put in place, so an error while
   * drawing or writing leaves any previous files at both paths as they were. The two renames are
   * not one step: for a pair that must change together, write into a new directory and rename that
   * (as {@link DataSource} does).
   *
   * @throws IllegalArgumentException when {@code count} is negative
   */
  public void writeNpy(long count, Path images, Path labels) throws IOException {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, was " + count);
    }
    try (NpyWriter x = NpyWriter.create(images, DType.UINT8, new long[] {count, 1, SIDE, SIDE});
        NpyWriter y = NpyWriter.create(labels, DType.INT64, new long[] {count})) {
      byte[] pixels = new byte[PIXELS];
      ByteBuffer image = ByteBuffer.wrap(pixels);
      for (long i = 0; i < count; i++) {
        render(i, pixels, 0);
        x.put(image.clear());
        y.putLong(label(i));
      }
      x.finish();
      y.finish();
    }
  }

  private static void checkIndex(long i) {
    if (i < 0) {
      throw new IllegalArgumentException("image index must be >= 0, was " + i);
    }
  }
}
