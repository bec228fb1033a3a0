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
    for (int trial = 0; trial < 2000; trial++) {
      Geometry g =
          new Geometry(1 + random.nextInt(3), 2 + random.nextInt(14), 2 + random.nextInt(14));
      List<PixelMove> chain = randomChain(random, g);
      long seed = random.nextLong();

      FloatSample composed = sample(g);
      Resampler moves = composed.resampler();
      moves.start(composed);
      for (int k = 0; k < chain.size(); k++) {
        chain.get(k).compose(moves, rng(seed + k));
      }
      moves.finish();

      FloatSample oneByOne = sample(g);
      for (int k = 0; k < chain.size(); k++) {
        chain.get(k).apply(oneByOne, rng(seed + k));
      }

      assertThat(composed.height()).as("%s on %s", chain, g).isEqualTo(oneByOne.height());
      assertThat(composed.width()).as("%s on %s", chain, g).isEqualTo(oneByOne.width());
      assertThat(bits(composed)).as("%s on %s", chain, g).containsExactly(bits(oneByOne));
    }
  }

  @Test
  void aPipelineMatchesItsOpsAppliedOneByOneToEachSample() throws IOException {
    int rows = 48;
    Geometry g = new Geometry(3, 9, 7);
    List<ImageOp> ops =
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
            Rotate.of(-20, 20, 0f, Interpolation.NEAREST));
    Augment augment =
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
            .rotate(-20, 20, Interpolation.NEAREST)
            .seed(5)
            .parallelism(2);
    try (NpyArray images = Fixtures.uint8Images(dir, "images.npy", rows, 3, 9, 7)) {
      Loader loader =
          Loader.builder(images).batchSize(16).shuffle(Shuffle.random(2)).epochs(2).build();
      List<Fixtures.Snapshot> batches = Fixtures.collect(loader.batches().transform(augment));
      assertThat(batches).hasSize(6);
      for (Fixtures.Snapshot b : batches) {
        float[] out = b.floats(0);
        for (int i = 0; i < b.indices().length; i++) {
          long id = b.indices()[i];
          FloatSample s = new FloatSample();
          s.reset(id, b.epoch(), g.channels(), g.height(), g.width(), g.size());
          s.integral(true, 0, 255);
          for (int k = 0; k < g.size(); k++) {
            s.array()[k] = Fixtures.value(id, k);
          }
          for (int k = 0; k < ops.size(); k++) {
            ops.get(k).apply(s, rng(Rng.seedFor(5, b.epoch(), id, k)));
          }
          assertThat(Arrays.copyOfRange(out, i * 108, (i + 1) * 108))
              .as("sample %d of epoch %d", id, b.epoch())
              .containsExactly(Arrays.copyOf(s.array(), 108));
        }
      }
    }
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
            default ->
                new NearestRotate(
                    -180 + 360 * random.nextDouble(), 180, random.nextBoolean() ? 0f : -1f);
          };
      chain.add(move);
      g = move.outputOf(g, "test");
    }
    return chain;
  }

  private static RandomCrop randomCrop(Random random, Geometry g) {
    int smaller = Math.min(g.height(), g.width());
    boolean reflect = random.nextBoolean();
    int padding = random.nextInt(reflect ? smaller : 4);
    int size = 1 + random.nextInt(Math.min(16, smaller + 2 * padding));
    return new RandomCrop(size, padding, reflect ? Padding.REFLECT : Padding.ZERO);
  }

  /** A sample of distinct values, with room for any image of at most 16 x 16. */
  private static FloatSample sample(Geometry g) {
    FloatSample s = new FloatSample();
    s.reset(1, 0, g.channels(), g.height(), g.width(), g.channels() * 16 * 16);
    for (int i = 0; i < g.size(); i++) {
      s.array()[i] = i + 1;
    }
    return s;
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
