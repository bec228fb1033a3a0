package dev.memflux.augment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Composing pixel moves must not change a single value: a chain resampled once equals its moves
 * applied one by one (each of which OpsTest checks against a direct reference).
 */
class ResamplerTest {

  @TempDir Path dir;

  @Test
  void composedMovesEqualTheMovesAppliedOneByOne() {
    Random random = new Random(11);
    // One composer for every trial, as a worker reuses its own across samples of any geometry.
    FloatSample composed = new FloatSample();
    Resampler moves = new Resampler();
    for (int trial = 0; trial < 3000; trial++) {
      Geometry g =
          new Geometry(1 + random.nextInt(4), 1 + random.nextInt(15), 1 + random.nextInt(15));
      List<PixelMove> chain = randomChain(random, g);
      long seed = random.nextLong();

      fill(composed, g);
      moves.start(composed);
      for (int k = 0; k < chain.size(); k++) {
        chain.get(k).compose(moves, rng(seed + k));
      }
      moves.finish();

      FloatSample oneByOne = new FloatSample();
      fill(oneByOne, g);
      for (int k = 0; k < chain.size(); k++) {
        chain.get(k).apply(oneByOne, rng(seed + k));
      }

      String what = chain + " on " + g;
      assertThat(composed.height()).as(what).isEqualTo(oneByOne.height());
      assertThat(composed.width()).as(what).isEqualTo(oneByOne.width());
      assertThat(bits(composed)).as(what).containsExactly(bits(oneByOne));
    }
  }

  @Test
  void aFloatPipelineMatchesItsOpsAppliedOneByOneToEachSample() throws IOException {
    try (NpyArray images = Fixtures.uint8Images(dir, "images.npy", 48, 3, 9, 7)) {
      assertPipelineMatchesOneByOne(
          images,
          Augment.images(ImageLayout.CHW)
              .toFloat(1 / 255f)
              .horizontalFlip(0.5)
              .randomCrop(7, 2)
              .rotate(-30, 30, Interpolation.NEAREST)
              .verticalFlip(0.5)
              .brightness(0.2)
              .rotate(-10, 10, Interpolation.NEAREST)
              .randomCrop(6, 1, Padding.REFLECT)
              .horizontalFlip(0.5)
              .rotate(-20, 20, Interpolation.NEAREST),
          List.of(
              new ToFloat(1 / 255f),
              new HorizontalFlip(0.5),
              new RandomCrop(7, 2, Padding.ZERO),
              Rotate.of(-30, 30, 0f, Interpolation.NEAREST),
              new VerticalFlip(0.5),
              new Brightness(0.2),
              Rotate.of(-10, 10, 0f, Interpolation.NEAREST),
              new RandomCrop(6, 1, Padding.REFLECT),
              new HorizontalFlip(0.5),
              Rotate.of(-20, 20, 0f, Interpolation.NEAREST)),
          new Geometry(3, 9, 7),
          ImageLayout.CHW);
    }
  }

  @Test
  void anIntegerChannelsLastPipelineMatchesItsOpsAppliedOneByOne() throws IOException {
    try (NpyArray images = Fixtures.uint8Images(dir, "images.npy", 48, 8, 8, 3)) {
      assertPipelineMatchesOneByOne(
          images,
          Augment.images(ImageLayout.HWC)
              .horizontalFlip(0.5)
              .randomCrop(8, 2)
              .rotate(-90, 90, Interpolation.NEAREST)
              .brightness(0.3)
              .verticalFlip(0.5)
              .rotate(-10, 10, Interpolation.NEAREST),
          List.of(
              new HorizontalFlip(0.5),
              new RandomCrop(8, 2, Padding.ZERO),
              Rotate.of(-90, 90, 0f, Interpolation.NEAREST),
              new Brightness(0.3),
              new VerticalFlip(0.5),
              Rotate.of(-10, 10, 0f, Interpolation.NEAREST)),
          new Geometry(3, 8, 8),
          ImageLayout.HWC);
    }
  }

  /**
   * Runs {@code augment} (seed 5, two threads) over two shuffled epochs and checks every output row
   * against {@code ops} applied one by one to the row read as floats, written back as the stage
   * writes: float32 after a toFloat, else rounded half up and clamped to uint8, in the layout.
   */
  private static void assertPipelineMatchesOneByOne(
      NpyArray images, Augment augment, List<ImageOp> ops, Geometry in, ImageLayout layout) {
    boolean toFloat = ops.get(0) instanceof ToFloat;
    Loader loader =
        Loader.builder(images).batchSize(16).shuffle(Shuffle.random(2)).epochs(2).build();
    List<Fixtures.Snapshot> batches =
        Fixtures.collect(loader.batches().transform(augment.seed(5).parallelism(2)));
    assertThat(batches).hasSize(6);
    for (Fixtures.Snapshot b : batches) {
      float[] out = toFloat ? b.floats(0) : unsigned(b.fields().get(0));
      int rowSize = out.length / b.indices().length;
      for (int i = 0; i < b.indices().length; i++) {
        long id = b.indices()[i];
        FloatSample s = new FloatSample();
        s.reset(id, b.epoch(), in.channels(), in.height(), in.width(), in.size());
        s.integral(true, 0, 255);
        for (int c = 0; c < in.channels(); c++) {
          for (int p = 0; p < in.height() * in.width(); p++) {
            int k =
                layout == ImageLayout.CHW
                    ? c * in.height() * in.width() + p
                    : p * in.channels() + c;
            s.array()[c * in.height() * in.width() + p] = Fixtures.value(id, k);
          }
        }
        for (int k = 0; k < ops.size(); k++) {
          ops.get(k).apply(s, rng(Rng.seedFor(5, b.epoch(), id, k)));
        }
        assertThat(s.size()).isEqualTo(rowSize);
        float[] expected = new float[rowSize];
        int plane = s.height() * s.width();
        for (int c = 0; c < s.channels(); c++) {
          for (int p = 0; p < plane; p++) {
            float v = s.array()[c * plane + p];
            int at = layout == ImageLayout.CHW ? c * plane + p : p * s.channels() + c;
            expected[at] = toFloat ? v : Math.max(0, Math.min(255, Math.round(v)));
          }
        }
        assertThat(Arrays.copyOfRange(out, i * rowSize, (i + 1) * rowSize))
            .as("sample %d of epoch %d", id, b.epoch())
            .containsExactly(expected);
      }
    }
  }

  private static float[] unsigned(byte[] bytes) {
    float[] out = new float[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = bytes[i] & 0xff;
    }
    return out;
  }

  /** Up to six random flips, crops (zero or mirrored borders) and nearest rotations. */
  private static List<PixelMove> randomChain(Random random, Geometry g) {
    List<PixelMove> chain = new ArrayList<>();
    int n = 1 + random.nextInt(6);
    for (int i = 0; i < n; i++) {
      double p = random.nextInt(3) / 2.0;
      PixelMove move =
          switch (random.nextInt(4)) {
            case 0 -> new HorizontalFlip(p);
            case 1 -> new VerticalFlip(p);
            case 2 -> randomCrop(random, g);
            default -> randomRotation(random);
          };
      chain.add(move);
      g = move.outputOf(g, "test");
    }
    return chain;
  }

  /** A third of them by a fixed right angle, whose steps are exactly 0 or +-1. */
  private static NearestRotate randomRotation(Random random) {
    float fill = random.nextBoolean() ? 0f : -1f;
    if (random.nextInt(3) == 0) {
      double right = 90 * (random.nextInt(7) - 3);
      return new NearestRotate(right, right, fill);
    }
    return new NearestRotate(-180 + 360 * random.nextDouble(), 180, fill);
  }

  private static RandomCrop randomCrop(Random random, Geometry g) {
    int smaller = Math.min(g.height(), g.width());
    boolean reflect = random.nextBoolean();
    int padding = random.nextInt(reflect ? smaller : 4);
    int size = 1 + random.nextInt(Math.min(16, smaller + 2 * padding));
    return new RandomCrop(size, padding, reflect ? Padding.REFLECT : Padding.ZERO);
  }

  /** Makes {@code s} a sample of geometry {@code g} of distinct values, with room for 4x16x16. */
  private static void fill(FloatSample s, Geometry g) {
    s.reset(1, 0, g.channels(), g.height(), g.width(), 4 * 16 * 16);
    for (int i = 0; i < g.size(); i++) {
      s.array()[i] = i + 1;
    }
  }

  private static int[] bits(FloatSample s) {
    int[] out = new int[s.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Float.floatToRawIntBits(s.array()[i]);
    }
    return out;
  }

  private static Rng rng(long seed) {
    Rng r = new Rng();
    r.reset(seed);
    return r;
  }
}
