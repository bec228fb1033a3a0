package dev.memflux.augment;

/**
 * One image as float channel planes, as ops see it: element {@code (c, y, x)} is at {@code
 * array()[(c * height() + y) * width() + x]} whatever the field's {@link ImageLayout} and dtype.
 * Ops change the values in place; only the stage's own ops change the geometry.
 *
 * <p>A sample is a reused per-worker scratch: it is valid only during the op call it is passed to.
 */
public final class FloatSample {

  private float[] data = new float[0];
  private float[] spare = new float[0];
  private int channels;
  private int height;
  private int width;
  private long id;
  private long epoch;
  // While the values come from an integer field and no toFloat has run, they are rounded and
  // clamped to [low, high] when converted or written back.
  private boolean integral;
  private double low;
  private double high;

  FloatSample() {}

  /** The sample id (row number in the files). */
  public long id() {
    return id;
  }

  /** The epoch of the batch holding this sample. */
  public long epoch() {
    return epoch;
  }

  /** Number of channel planes. */
  public int channels() {
    return channels;
  }

  /** Rows of each plane. */
  public int height() {
    return height;
  }

  /** Columns of each plane. */
  public int width() {
    return width;
  }

  /** Number of values: {@code channels() * height() * width()}. */
  public int size() {
    return channels * height * width;
  }

  /** The value of channel {@code c} at row {@code y}, column {@code x}. */
  public float get(int c, int y, int x) {
    return data[index(c, y, x)];
  }

  /** Sets the value of channel {@code c} at row {@code y}, column {@code x}. */
  public void set(int c, int y, int x, float value) {
    data[index(c, y, x)] = value;
  }

  /**
   * The backing array, channel planes one after the other; only its first {@link #size()} values
   * belong to the sample (the array is a reused scratch and may be longer).
   */
  public float[] array() {
    return data;
  }

  private int index(int c, int y, int x) {
    if (c < 0 || c >= channels || y < 0 || y >= height || x < 0 || x >= width) {
      throw new IndexOutOfBoundsException(
          "(" + c + ", " + y + ", " + x + ") outside " + channels + "x" + height + "x" + width);
    }
    return (c * height + y) * width + x;
  }

  /** Prepares the scratch for a sample of the given geometry holding at most {@code capacity}. */
  void reset(long id, long epoch, int channels, int height, int width, int capacity) {
    if (data.length < capacity) {
      data = new float[capacity];
      spare = new float[capacity];
    }
    this.id = id;
    this.epoch = epoch;
    this.channels = channels;
    this.height = height;
    this.width = width;
  }

  /** A second scratch of the same capacity, for ops that cannot work in place. */
  float[] spare() {
    return spare;
  }

  /** Makes the spare, into which an op wrote planes of {@code height x width}, the sample. */
  void swap(int newHeight, int newWidth) {
    float[] t = data;
    data = spare;
    spare = t;
    height = newHeight;
    width = newWidth;
  }

  void integral(boolean integral, double low, double high) {
    this.integral = integral;
    this.low = low;
    this.high = high;
  }

  boolean integral() {
    return integral;
  }

  /** Rounds half up and clamps to the integer type's range, once the values leave integer land. */
  void quantize() {
    int n = size();
    float lo = (float) low;
    float hi = (float) high;
    for (int i = 0; i < n; i++) {
      float v = Math.round(data[i]);
      data[i] = v < lo ? lo : v > hi ? hi : v;
    }
    integral = false;
  }
}
