package dev.memflux.augment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class OpsTest {

  /** A sample whose value at (c, y, x) is {@code 1 + c*100 + y*10 + x}: distinct and non-zero. */
  private static FloatSample sample(int c, int h, int w) {
    FloatSample s = new FloatSample();
    s.reset(42, 0, c, h, w, c * h * w * 4);
    for (int ch = 0; ch < c; ch++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          s.set(ch, y, x, 1 + ch * 100 + y * 10 + x);
        }
      }
    }
    return s;
  }

  private static Rng rng(long seed) {
    Rng r = new Rng();
    r.reset(seed);
    return r;
  }

  @Test
  void horizontalFlipWithProbabilityOneMirrorsEveryRow() {
    FloatSample s = sample(2, 3, 4);
    new HorizontalFlip(1).apply(s, rng(1));
    for (int c = 0; c < 2; c++) {
      for (int y = 0; y < 3; y++) {
        for (int x = 0; x < 4; x++) {
          assertThat(s.get(c, y, x)).isEqualTo(1 + c * 100 + y * 10 + (3 - x));
        }
      }
    }
  }

  @Test
  void verticalFlipWithProbabilityOneMirrorsEveryColumn() {
    FloatSample s = sample(2, 5, 3);
    new VerticalFlip(1).apply(s, rng(1));
    for (int c = 0; c < 2; c++) {
      for (int y = 0; y < 5; y++) {
        for (int x = 0; x < 3; x++) {
          assertThat(s.get(c, y, x)).isEqualTo(1 + c * 100 + (4 - y) * 10 + x);
        }
      }
    }
  }

  @Test
  void flipWithProbabilityZeroNeverFlips() {
    FloatSample s = sample(1, 4, 4);
    float[] before = s.array().clone();
    for (long seed = 0; seed < 100; seed++) {
      new HorizontalFlip(0).apply(s, rng(seed));
      new VerticalFlip(0).apply(s, rng(seed));
    }
    assertThat(s.array()).containsExactly(before);
  }

  @Test
  void flipWithProbabilityHalfFlipsAboutHalfTheSamples() {
    int flipped = 0;
    for (long seed = 0; seed < 2000; seed++) {
      FloatSample s = sample(1, 1, 2);
      new HorizontalFlip(0.5).apply(s, rng(Rng.seedFor(7, 0, seed, 0)));
      flipped += s.get(0, 0, 0) == 2 ? 1 : 0;
    }
    assertThat(flipped).isBetween(900, 1100);
  }

  @ParameterizedTest
  @EnumSource(Interpolation.class)
  void rotateByZeroIsIdentity(Interpolation mode) {
    FloatSample s = sample(3, 5, 7);
    float[] before = s.array().clone();
    Rotate.of(0, 0, 0f, mode).apply(s, rng(3));
    assertThat(java.util.Arrays.copyOf(s.array(), s.size()))
        .containsExactly(java.util.Arrays.copyOf(before, s.size()));
  }

  @ParameterizedTest
  @EnumSource(Interpolation.class)
  void rotateBy90IsAnExactCounterClockwisePermutation(Interpolation mode) {
    int n = 5;
    FloatSample s = sample(2, n, n);
    Rotate.of(90, 90, -1f, mode).apply(s, rng(3));
    // Counter-clockwise: the right column becomes the top row.
    for (int c = 0; c < 2; c++) {
      for (int y = 0; y < n; y++) {
        for (int x = 0; x < n; x++) {
          assertThat(s.get(c, y, x)).isEqualTo(1 + c * 100 + x * 10 + (n - 1 - y));
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Interpolation.class)
  void rotateByMinus90IsAnExactClockwisePermutation(Interpolation mode) {
    int n = 4;
    FloatSample s = sample(1, n, n);
    Rotate.of(-90, -90, -1f, mode).apply(s, rng(3));
    for (int y = 0; y < n; y++) {
      for (int x = 0; x < n; x++) {
        assertThat(s.get(0, y, x)).isEqualTo(1 + (n - 1 - x) * 10 + y);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Interpolation.class)
  void rotateFillsCornersThatComeFromOutside(Interpolation mode) {
    FloatSample s = sample(1, 9, 9);
    Rotate.of(45, 45, -7f, mode).apply(s, rng(3));
    assertThat(s.get(0, 0, 0)).isEqualTo(-7f);
    assertThat(s.get(0, 4, 4)).isEqualTo(45f, within(1e-4f)); // the centre stays
  }

  @Test
  void nearestRotationTakesTheSourcePixelClosestToEachInverseMappedPoint() {
    int c = 3;
    int h = 11;
    int w = 16;
    float fill = -1f;
    for (double degrees : new double[] {7.5, -13, 33, 160}) {
      FloatSample s = sample(c, h, w);
      float[] before = java.util.Arrays.copyOf(s.array(), s.size());
      Rotate.of(degrees, degrees, fill, Interpolation.NEAREST).apply(s, rng(3));
      double cos = Math.cos(Math.toRadians(degrees));
      double sin = Math.sin(Math.toRadians(degrees));
      double cx = (w - 1) / 2.0;
      double cy = (h - 1) / 2.0;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          // Reference: the inverse map of (x, y) computed directly, without stepping along rows.
          double sx = cx + (x - cx) * cos - (y - cy) * sin;
          double sy = cy + (x - cx) * sin + (y - cy) * cos;
          int x0 = (int) Math.floor(sx + 0.5);
          int y0 = (int) Math.floor(sy + 0.5);
          boolean inside = x0 >= 0 && y0 >= 0 && x0 < w && y0 < h;
          for (int ch = 0; ch < c; ch++) {
            float expected = inside ? before[(ch * h + y0) * w + x0] : fill;
            assertThat(s.get(ch, y, x))
                .as("%s deg at (%d, %d, %d)", degrees, ch, y, x)
                .isEqualTo(expected);
          }
        }
      }
    }
  }

  @Test
  void bilinearRotationBlendsTheFourSurroundingPixels() {
    // A horizontal ramp rotated by a small angle: bilinear values are affine in the source
    // coordinates inside the image, nearest ones are not.
    int h = 9;
    int w = 9;
    double degrees = 10;
    FloatSample s = new FloatSample();
    s.reset(1, 0, 1, h, w, h * w);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        s.set(0, y, x, x);
      }
    }
    Rotate.of(degrees, degrees, 0f, Interpolation.BILINEAR).apply(s, rng(3));
    double cos = Math.cos(Math.toRadians(degrees));
    double sin = Math.sin(Math.toRadians(degrees));
    for (int y = 3; y <= 5; y++) {
      for (int x = 3; x <= 5; x++) {
        double sx = 4 + (x - 4) * cos - (y - 4) * sin;
        assertThat(s.get(0, y, x)).isEqualTo((float) sx, within(1e-4f));
      }
    }
  }

  @Test
  void randomCropWithoutPaddingReturnsAWindowAtEveryOffset() {
    int h = 6;
    int w = 5;
    int size = 3;
    Set<String> offsets = new HashSet<>();
    for (long seed = 0; seed < 500; seed++) {
      FloatSample s = sample(2, h, w);
      new RandomCrop(size, 0, Padding.ZERO).apply(s, rng(Rng.seedFor(1, 0, seed, 0)));
      assertThat(s.height()).isEqualTo(size);
      assertThat(s.width()).isEqualTo(size);
      int v = (int) s.get(0, 0, 0) - 1;
      int top = v / 10;
      int left = v % 10;
      offsets.add(top + "," + left);
      for (int c = 0; c < 2; c++) {
        for (int y = 0; y < size; y++) {
          for (int x = 0; x < size; x++) {
            assertThat(s.get(c, y, x)).isEqualTo(1 + c * 100 + (top + y) * 10 + left + x);
          }
        }
      }
    }
    assertThat(offsets).hasSize((h - size + 1) * (w - size + 1));
  }

  @Test
  void randomCropWithZeroPaddingMatchesTheZeroPaddedImage() {
    int n = 4;
    int pad = 2;
    Set<String> offsets = new HashSet<>();
    for (long seed = 0; seed < 2000; seed++) {
      FloatSample s = sample(1, n, n);
      new RandomCrop(n, pad, Padding.ZERO).apply(s, rng(Rng.seedFor(5, 0, seed, 0)));
      int[] at = findWindow(s, n, pad, false);
      offsets.add(at[0] + "," + at[1]);
    }
    assertThat(offsets).hasSize((2 * pad + 1) * (2 * pad + 1));
  }

  @Test
  void randomCropWithReflectPaddingMirrorsWithoutRepeatingTheEdge() {
    int n = 4;
    int pad = 2;
    Set<String> offsets = new HashSet<>();
    for (long seed = 0; seed < 2000; seed++) {
      FloatSample s = sample(1, n, n);
      new RandomCrop(n, pad, Padding.REFLECT).apply(s, rng(Rng.seedFor(5, 0, seed, 0)));
      int[] at = findWindow(s, n, pad, true);
      offsets.add(at[0] + "," + at[1]);
    }
    assertThat(offsets).hasSize((2 * pad + 1) * (2 * pad + 1));
  }

  /** The offset of the only window of the padded image equal to the crop; fails if none. */
  private static int[] findWindow(FloatSample crop, int n, int pad, boolean reflect) {
    int size = crop.height();
    int[] found = null;
    for (int top = 0; top <= n + 2 * pad - size; top++) {
      for (int left = 0; left <= n + 2 * pad - size; left++) {
        boolean same = true;
        for (int y = 0; y < size && same; y++) {
          for (int x = 0; x < size && same; x++) {
            int sy = top + y - pad;
            int sx = left + x - pad;
            float expected;
            if (reflect) {
              sy = sy < 0 ? -sy : sy >= n ? 2 * (n - 1) - sy : sy;
              sx = sx < 0 ? -sx : sx >= n ? 2 * (n - 1) - sx : sx;
              expected = 1 + sy * 10 + sx;
            } else {
              expected = sy < 0 || sy >= n || sx < 0 || sx >= n ? 0 : 1 + sy * 10 + sx;
            }
            same = crop.get(0, y, x) == expected;
          }
        }
        if (same) {
          assertThat(found).as("window unique").isNull();
          found = new int[] {top, left};
        }
      }
    }
    assertThat(found).as("crop is a window of the padded image").isNotNull();
    return found;
  }

  @Test
  void randomCropRejectsACropLargerThanThePaddedImage() {
    assertThatThrownBy(
            () ->
                new RandomCrop(10, 1, Padding.ZERO)
                    .outputOf(new Geometry(1, 7, 7), "field 0 of shape [8, 7, 7]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("crop larger than the padded image")
        .hasMessageContaining("field 0 of shape [8, 7, 7]");
  }

  @Test
  void normalizeMatchesADoublePrecisionReference() {
    float[] mean = {0.485f, 0.456f, 0.406f};
    float[] std = {0.229f, 0.224f, 0.225f};
    FloatSample s = sample(3, 4, 4);
    float[] v = s.array();
    for (int i = 0; i < s.size(); i++) {
      v[i] = v[i] / 311f;
    }
    float[] before = v.clone();
    new Normalize(mean, std).apply(s, rng(0));
    for (int c = 0; c < 3; c++) {
      for (int i = c * 16; i < c * 16 + 16; i++) {
        double expected = ((double) before[i] - mean[c]) / std[c];
        assertThat((double) v[i])
            .isCloseTo(expected, within(1e-6 * Math.max(1, Math.abs(expected))));
      }
    }
  }

  @Test
  void normalizeRejectsZeroStdAndMismatchedLengths() {
    assertThatThrownBy(() -> new Normalize(new float[] {0}, new float[] {0}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("std");
    assertThatThrownBy(() -> new Normalize(new float[] {0, 1}, new float[] {1}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new Normalize(new float[] {0, 0, 0}, new float[] {1, 1, 1})
                    .outputOf(new Geometry(1, 28, 28), "field 0 of shape [4, 28, 28]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("field 0 of shape [4, 28, 28]");
  }

  @Test
  void gaussianNoiseHasZeroMeanAndSigmaStandardDeviation() {
    double sum = 0;
    double squares = 0;
    long n = 0;
    for (long id = 0; id < 200; id++) {
      FloatSample s = new FloatSample();
      s.reset(id, 0, 1, 16, 16, 256);
      java.util.Arrays.fill(s.array(), 0f);
      new GaussianNoise(0.3).apply(s, rng(Rng.seedFor(9, 0, id, 0)));
      for (int i = 0; i < s.size(); i++) {
        sum += s.array()[i];
        squares += s.array()[i] * s.array()[i];
        n++;
      }
    }
    double mean = sum / n;
    double std = Math.sqrt(squares / n - mean * mean);
    assertThat(mean).isCloseTo(0, within(0.005));
    assertThat(std).isCloseTo(0.3, within(0.005));
  }

  @Test
  void randomErasingZeroesOneRectangleOfTheRequestedArea() {
    int erasedSamples = 0;
    for (long id = 0; id < 300; id++) {
      FloatSample s = sample(3, 20, 20);
      new RandomErasing(1, 0.1, 0.2).apply(s, rng(Rng.seedFor(3, 0, id, 0)));
      int zeros = 0;
      int minY = 99;
      int maxY = -1;
      int minX = 99;
      int maxX = -1;
      for (int y = 0; y < 20; y++) {
        for (int x = 0; x < 20; x++) {
          if (s.get(0, y, x) == 0) {
            zeros++;
            minY = Math.min(minY, y);
            maxY = Math.max(maxY, y);
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x);
            assertThat(s.get(1, y, x)).isZero();
            assertThat(s.get(2, y, x)).isZero();
          }
        }
      }
      if (zeros > 0) {
        erasedSamples++;
        assertThat(zeros).isEqualTo((maxY - minY + 1) * (maxX - minX + 1)); // a rectangle
        assertThat(zeros / 400.0).isBetween(0.05, 0.3); // rounding of sides widens [0.1, 0.2]
      }
    }
    assertThat(erasedSamples).isGreaterThan(290);
  }

  @Test
  void brightnessScalesByAFactorWithinDelta() {
    for (long id = 0; id < 100; id++) {
      FloatSample s = sample(1, 2, 2);
      new Brightness(0.2).apply(s, rng(Rng.seedFor(0, 0, id, 0)));
      float factor = s.get(0, 0, 0) / 1f;
      assertThat(factor).isBetween(0.8f, 1.2f);
      assertThat(s.get(0, 1, 1)).isCloseTo(12 * factor, within(1e-4f));
    }
  }

  @Test
  void contrastKeepsTheMeanOfASingleChannelImage() {
    FloatSample s = sample(1, 4, 4);
    double before = mean(s);
    new Contrast(0.5).apply(s, rng(4));
    assertThat(mean(s)).isCloseTo(before, within(1e-3));
  }

  private static double mean(FloatSample s) {
    double sum = 0;
    for (int i = 0; i < s.size(); i++) {
      sum += s.array()[i];
    }
    return sum / s.size();
  }

  @Test
  void toFloatRoundsAndClampsIntegerValuesBeforeScaling() {
    FloatSample s = new FloatSample();
    s.reset(0, 0, 1, 1, 3, 3);
    s.integral(true, 0, 255);
    s.set(0, 0, 0, 300.2f);
    s.set(0, 0, 1, -4f);
    s.set(0, 0, 2, 7.5f);
    new ToFloat(0.5f).apply(s, rng(0));
    assertThat(s.get(0, 0, 0)).isEqualTo(127.5f);
    assertThat(s.get(0, 0, 1)).isZero();
    assertThat(s.get(0, 0, 2)).isEqualTo(4f);
  }

  @Test
  void probabilitiesOutsideZeroToOneAreRejected() {
    assertThatThrownBy(() -> new HorizontalFlip(-0.1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("horizontalFlip");
    assertThatThrownBy(() -> new VerticalFlip(1.5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RandomErasing(2, 0.1, 0.2))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void seedsDependOnEveryInput() {
    long base = Rng.seedFor(1, 2, 3, 4);
    assertThat(Rng.seedFor(1, 2, 3, 4)).isEqualTo(base);
    assertThat(
            Set.of(
                Rng.seedFor(0, 2, 3, 4),
                Rng.seedFor(1, 3, 3, 4),
                Rng.seedFor(1, 2, 4, 4),
                Rng.seedFor(1, 2, 3, 5)))
        .hasSize(4)
        .doesNotContain(base);
  }
}
