package dev.memflux.samples.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memflux.core.NpyArray;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticImagesTest {

  private static byte[] render(SyntheticImages images, int from, int count) {
    byte[] pixels = new byte[count * SyntheticImages.PIXELS];
    for (int i = 0; i < count; i++) {
      images.render(from + i, pixels, i * SyntheticImages.PIXELS);
    }
    return pixels;
  }

  @Test
  void sameSeedGivesTheSameBytesInAnyOrder() {
    byte[] forward = render(new SyntheticImages(3), 0, 50);
    SyntheticImages again = new SyntheticImages(3);
    byte[] backward = new byte[forward.length];
    for (int i = 49; i >= 0; i--) {
      again.render(i, backward, i * SyntheticImages.PIXELS);
    }
    assertThat(backward).isEqualTo(forward);
  }

  @Test
  void differentSeedsGiveDifferentImagesAndLabels() {
    SyntheticImages a = new SyntheticImages(3);
    SyntheticImages b = new SyntheticImages(4);
    assertThat(render(a, 0, 20)).isNotEqualTo(render(b, 0, 20));
    int[] la = new int[100];
    int[] lb = new int[100];
    for (int i = 0; i < 100; i++) {
      la[i] = a.label(i);
      lb[i] = b.label(i);
    }
    assertThat(la).isNotEqualTo(lb);
  }

  @Test
  void everyBlockOfTenHoldsEachClassOnce() {
    SyntheticImages images = new SyntheticImages(11);
    for (int block = 0; block < 100; block++) {
      boolean[] seen = new boolean[SyntheticImages.CLASSES];
      for (int k = 0; k < SyntheticImages.CLASSES; k++) {
        seen[images.label(block * 10L + k)] = true;
      }
      assertThat(seen).as("block %d", block).containsOnly(true);
    }
  }

  @Test
  void imagesAreNotBlankOrSaturated() {
    byte[] pixels = render(new SyntheticImages(5), 0, 200);
    for (int i = 0; i < 200; i++) {
      int min = 255;
      int max = 0;
      for (int p = 0; p < SyntheticImages.PIXELS; p++) {
        int v = pixels[i * SyntheticImages.PIXELS + p] & 0xff;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      assertThat(max - min).as("contrast of image %d", i).isGreaterThan(60);
    }
  }

  /**
   * Nearest-centroid, the simplest classifier there is, must beat chance (10%) by far, yet stay
   * well short of perfect: the dataset is learnable but leaves room for an MLP and a CNN.
   */
  @Test
  void nearestCentroidLearnsItButNotPerfectly() {
    int train = 2000;
    int test = 1000;
    SyntheticImages trainSet = new SyntheticImages(21);
    SyntheticImages testSet = new SyntheticImages(22);
    double[][] centroids = new double[SyntheticImages.CLASSES][SyntheticImages.PIXELS];
    byte[] pixels = new byte[SyntheticImages.PIXELS];
    for (int i = 0; i < train; i++) {
      trainSet.render(i, pixels, 0);
      double[] c = centroids[trainSet.label(i)];
      for (int p = 0; p < pixels.length; p++) {
        c[p] += (pixels[p] & 0xff) / (train / 10.0);
      }
    }
    int correct = 0;
    for (int i = 0; i < test; i++) {
      testSet.render(i, pixels, 0);
      int best = -1;
      double bestDistance = Double.MAX_VALUE;
      for (int k = 0; k < SyntheticImages.CLASSES; k++) {
        double d = 0;
        for (int p = 0; p < pixels.length; p++) {
          double e = (pixels[p] & 0xff) - centroids[k][p];
          d += e * e;
        }
        if (d < bestDistance) {
          bestDistance = d;
          best = k;
        }
      }
      correct += best == testSet.label(i) ? 1 : 0;
    }
    assertThat(correct / (double) test).isBetween(0.4, 0.9);
  }

  @Test
  void writeNpyStoresRenderedPixelsAndLabels(@TempDir Path dir) throws IOException {
    SyntheticImages images = new SyntheticImages(9);
    images.writeNpy(12, dir.resolve("x.npy"), dir.resolve("y.npy"));
    byte[] expected = render(images, 0, 12);
    try (NpyArray x = NpyArray.open(dir.resolve("x.npy"));
        NpyArray y = NpyArray.open(dir.resolve("y.npy"))) {
      assertThat(x.shape()).containsExactly(12, 1, 28, 28);
      byte[] actual = new byte[expected.length];
      long[] ids = new long[12];
      Arrays.setAll(ids, i -> i);
      x.gather(ids, 0, 12, ByteBuffer.wrap(actual));
      assertThat(actual).isEqualTo(expected);
      for (int i = 0; i < 12; i++) {
        assertThat(y.getLong(i)).isEqualTo(images.label(i));
      }
    }
  }

  /** Issue 16.2: a failed write deleted both outputs, the previous good files among them. */
  @Test
  void aFailedWriteLeavesThePreviousFilesAsTheyWere(@TempDir Path dir) throws IOException {
    Path x = dir.resolve("x.npy");
    Path y = dir.resolve("y.npy");
    new SyntheticImages(1).writeNpy(5, x, y);
    byte[] imagesBefore = Files.readAllBytes(x);
    byte[] labelsBefore = Files.readAllBytes(y);
    Path notAFile = Files.createDirectory(dir.resolve("labels-dir"));

    assertThatThrownBy(() -> new SyntheticImages(2).writeNpy(7, x, notAFile))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(notAFile.toString());

    assertThat(Files.readAllBytes(x)).isEqualTo(imagesBefore);
    assertThat(Files.readAllBytes(y)).isEqualTo(labelsBefore);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactlyInAnyOrder(x, y, notAFile);
    }
  }
}
