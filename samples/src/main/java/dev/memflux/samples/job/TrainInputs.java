package dev.memflux.samples.job;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * The arrays of a {@code train} run, checked before any work: what the model is built for. Each
 * problem a user can fix in the data is an {@link IOException} naming the file and what is wrong,
 * so that it reaches the command line as one line and status 2, never as an error deep inside DJL
 * (a division by zero for images without pixels, "Output size is too small" for images the CNN
 * pools away, an output layer of 10⁹ classes, an accuracy of NaN on an empty test split, "Gradient
 * values are all zeros" for images that are all one value, such as a zero-filled file).
 *
 * @param imageShape the (C, H, W) shape both splits' images share
 * @param classes the number of classes: one more than the largest label
 * @param stats the standardisation of the training images
 */
public record TrainInputs(long[] imageShape, int classes, ChannelStats stats) {

  /** Copies the shape in. */
  public TrainInputs {
    imageShape = imageShape.clone();
  }

  @Override
  public long[] imageShape() {
    return imageShape.clone();
  }

  /**
   * Checks the train and test images and labels for a run of {@code model}.
   *
   * @param model one of {@link Classifiers#NAMES}
   * @throws IOException naming the file when images are not uint8 (N, C, H, W) with at least one
   *     pixel, the splits' image shapes differ, a split is empty, the images are too small for
   *     {@code model}, are all one value, or the labels are not int64 class indices 0 .. {@link
   *     Classifiers#MAX_CLASSES}-1 with at least two classes
   */
  public static TrainInputs check(
      NpyArray trainX, NpyArray trainY, NpyArray testX, NpyArray testY, String model)
      throws IOException {
    long[] shape = imageShape(trainX, testX);
    checkRows(trainX, "training");
    checkRows(testX, "test");
    try {
      Classifiers.checkImageSize(model, shape[1], shape[2]);
    } catch (IllegalArgumentException e) {
      throw new IOException(trainX.path() + ": " + e.getMessage(), e);
    }
    int classes = classes(trainY, testY);
    ChannelStats stats = ChannelStats.of(trainX);
    if (stats.constant()) {
      throw new IOException(
          trainX.path()
              + ": blank images: in the "
              + Math.min(ChannelStats.MAX_ROWS, trainX.rows())
              + " sampled, every pixel of a channel has the same value; nothing to learn from");
    }
    return new TrainInputs(shape, classes, stats);
  }

  /** The image shape (C, H, W) both splits share. */
  private static long[] imageShape(NpyArray train, NpyArray test) throws IOException {
    for (NpyArray a : List.of(train, test)) {
      if (a.ndim() != 4 || !ChannelStats.isUint8(a.dtype())) {
        throw new IOException(
            a.path()
                + ": expected uint8 images (N, C, H, W), found "
                + a.dtype()
                + " of shape "
                + NpyArray.shapeString(a.shape()));
      }
      if (Arrays.stream(a.rowShape()).anyMatch(d -> d == 0)) {
        throw new IOException(
            a.path()
                + ": images of shape "
                + NpyArray.shapeString(a.shape())
                + " have no pixels: C, H and W must be at least 1");
      }
    }
    long[] shape = train.rowShape();
    if (!Arrays.equals(shape, test.rowShape())) {
      throw new IOException(
          test.path()
              + ": test images have shape "
              + NpyArray.shapeString(test.rowShape())
              + " but train images "
              + NpyArray.shapeString(shape));
    }
    return shape;
  }

  private static void checkRows(NpyArray images, String split) throws IOException {
    if (images.rows() == 0) {
      throw new IOException(
          images.path()
              + ": no "
              + split
              + " images (shape "
              + NpyArray.shapeString(images.shape())
              + "); the "
              + split
              + " split needs at least one");
    }
  }

  /**
   * The class count: one more than the largest label. Labels must be int64 class indices: the
   * classifier has one output per class, so a stray large label would make it enormous.
   */
  private static int classes(NpyArray train, NpyArray test) throws IOException {
    long max = 0;
    for (NpyArray labels : List.of(train, test)) {
      if (labels.dtype().kind() != DType.Kind.INT || labels.dtype().itemSize() != 8) {
        throw new IOException(
            labels.path()
                + ": expected int64 labels, found "
                + labels.dtype()
                + " (memflux convert idx --labels-int64 writes them)");
      }
      for (long i = 0; i < labels.rows(); i++) {
        long label = labels.getLong(i);
        if (label < 0 || label >= Classifiers.MAX_CLASSES) {
          throw new IOException(
              labels.path()
                  + ": label "
                  + label
                  + " at row "
                  + i
                  + " is not a class index 0.."
                  + (Classifiers.MAX_CLASSES - 1)
                  + " (the classifier has one output per class)");
        }
        max = Math.max(max, label);
      }
    }
    if (max == 0) {
      throw new IOException(
          train.path()
              + " and "
              + test.path()
              + ": every label is 0; a classifier needs at least 2 classes");
    }
    return (int) max + 1;
  }
}
