package dev.memflux.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.memflux.core.NpyArray;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * Memory-mapped .npy arrays as a DJL {@link RandomAccessDataset}, for code that trains with {@code
 * EasyTrain.fit} and DJL's own batching: sample {@code i} is row {@code i} of every field.
 *
 * <pre>{@code
 * try (NpyArray x = NpyArray.open(Path.of("train_x.npy"));
 *      NpyArray y = NpyArray.open(Path.of("train_y.npy"))) {
 *   NpyDataset dataset = NpyDataset.builder(x, y).data(0).labels(1)
 *       .setSampling(256, true)
 *       .build();
 *   EasyTrain.fit(trainer, 10, dataset, null);
 * }
 * }</pre>
 *
 * <p>Each record is read with {@link NpyArray#gather}, which handles any byte order and Fortran
 * order, into a fresh direct buffer that the record's NDArray then uses without a further copy. The
 * arrays must stay open while the dataset is used.
 */
public final class NpyDataset extends RandomAccessDataset {

  private final NpyArray[] fields;
  private final int[] data;
  private final int[] labels;
  private final DataType[] types;
  private final Shape[] rowShapes;
  private final int[] rowBytes;

  private NpyDataset(Builder builder) {
    super(builder);
    this.fields = builder.fields;
    this.data = builder.data;
    this.labels = builder.labels;
    this.types = new DataType[fields.length];
    this.rowShapes = new Shape[fields.length];
    this.rowBytes = new int[fields.length];
    for (int f = 0; f < fields.length; f++) {
      types[f] = DataTypes.of(fields[f].dtype());
      rowShapes[f] = new Shape(fields[f].rowShape());
      rowBytes[f] = Math.toIntExact(fields[f].rowBytes());
    }
  }

  /** Starts a dataset over {@code fields}: arrays with the same number of rows. */
  public static Builder builder(NpyArray... fields) {
    return new Builder(fields);
  }

  @Override
  public Record get(NDManager manager, long index) {
    return new Record(row(manager, index, data), row(manager, index, labels));
  }

  private NDList row(NDManager manager, long index, int[] which) {
    NDList list = new NDList(which.length);
    for (int f : which) {
      // A buffer per record: the NDArray aliases it on the CPU and DJL keeps it reachable.
      ByteBuffer buffer = ByteBuffer.allocateDirect(rowBytes[f]).order(ByteOrder.nativeOrder());
      fields[f].gather(new long[] {index}, 0, 1, buffer);
      list.add(manager.create(buffer.clear(), rowShapes[f], types[f]));
    }
    return list;
  }

  @Override
  protected long availableSize() {
    return fields[0].rows();
  }

  /** Nothing to prepare: the files are mapped already. */
  @Override
  public void prepare(Progress progress) {}

  /** Configures an {@link NpyDataset}; sampling options come from DJL's builder. */
  public static final class Builder extends BaseBuilder<Builder> {
    private final NpyArray[] fields;
    private int[] data = {0};
    private int[] labels = {1};

    private Builder(NpyArray[] fields) {
      Objects.requireNonNull(fields, "fields");
      if (fields.length == 0) {
        throw new IllegalArgumentException("fields must name at least one array");
      }
      for (NpyArray a : fields) {
        Objects.requireNonNull(a, "fields");
        if (a.rows() != fields[0].rows()) {
          throw new IllegalArgumentException(
              "fields must have equal row counts, but "
                  + fields[0].path()
                  + " has "
                  + fields[0].rows()
                  + " and "
                  + a.path()
                  + " has "
                  + a.rows());
        }
        var unused = DataTypes.of(a.dtype()); // fails now for a dtype DJL has no type for
      }
      this.fields = fields.clone();
      if (fields.length == 1) {
        labels = new int[0];
      }
    }

    /** The fields that make a record's data, in order; default field 0. */
    public Builder data(int... fields) {
      this.data = check(fields, "data");
      return this;
    }

    /** The fields that make a record's labels, in order; default field 1 (none with one field). */
    public Builder labels(int... fields) {
      this.labels = check(fields, "labels");
      return this;
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** The dataset; sampling must be set ({@code setSampling}). */
    public NpyDataset build() {
      check(data, "data");
      check(labels, "labels");
      return new NpyDataset(this);
    }

    @CanIgnoreReturnValue
    private int[] check(int[] which, String option) {
      for (int f : which) {
        if (f < 0 || f >= fields.length) {
          throw new IllegalArgumentException(
              option
                  + " field indices must be in [0, "
                  + fields.length
                  + "), was "
                  + Arrays.toString(which));
        }
      }
      return which.clone();
    }
  }
}
