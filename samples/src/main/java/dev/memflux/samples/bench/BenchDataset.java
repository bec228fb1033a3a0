package dev.memflux.samples.bench;

import dev.memflux.core.DType;

/**
 * The two data sets of {@code memflux bench}, with the file names, shapes and dtypes that the peer
 * baseline ({@code ../shared/bench/peers/make_data.py}) uses, so both read the very same files.
 */
enum BenchDataset {
  /** Fashion-MNIST train images, (60000, 1, 28, 28) uint8, and int64 labels. */
  FMNIST("fmnist-u8", "fmnist_train_x.npy", "fmnist_train_y.npy", 60_000, DType.UINT8, 1, 28, 28),
  /** Synthetic float images, (30000, 3, 64, 64) float32 (1.47 GB), and int64 labels. */
  IMAGES("images-f32", "img_x.npy", "img_y.npy", 30_000, DType.FLOAT32, 3, 64, 64);

  private final String id;
  private final String imagesFile;
  private final String labelsFile;
  private final long rows;
  private final DType dtype;

  @SuppressWarnings("ImmutableEnumChecker") // never written after construction
  private final long[] rowShape;

  BenchDataset(
      String id, String imagesFile, String labelsFile, long rows, DType dtype, long... rowShape) {
    this.id = id;
    this.imagesFile = imagesFile;
    this.labelsFile = labelsFile;
    this.rows = rows;
    this.dtype = dtype;
    this.rowShape = rowShape;
  }

  /** The name in the results' {@code dataset} key, shared with the peer's JSON. */
  String id() {
    return id;
  }

  /** File name of the images array. */
  String imagesFile() {
    return imagesFile;
  }

  /** File name of the labels array. */
  String labelsFile() {
    return labelsFile;
  }

  /** Rows at full size. */
  long rows() {
    return rows;
  }

  /** Element type of the images. */
  DType dtype() {
    return dtype;
  }

  /** Bytes of one image. */
  long rowBytes() {
    long n = dtype.itemSize();
    for (long d : rowShape) {
      n *= d;
    }
    return n;
  }

  /** The images shape with {@code n} rows. */
  long[] shape(long n) {
    return new long[] {n, rowShape[0], rowShape[1], rowShape[2]};
  }
}
