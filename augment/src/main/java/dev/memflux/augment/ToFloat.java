package dev.memflux.augment;

/** Converts to float32 and scales: uint8 pixels times {@code 1 / 255f} give [0, 1]. */
final class ToFloat implements ImageOp {

  private final float scale;

  ToFloat(float scale) {
    if (!Float.isFinite(scale)) {
      throw new IllegalArgumentException("toFloat scale must be finite, was " + scale);
    }
    this.scale = scale;
  }

  @Override
  public void apply(FloatSample s, Rng rng) {
    // Ops before toFloat on an integer field act on that field's type: round them back first.
    if (s.integral()) {
      s.quantize();
    }
    float[] v = s.array();
    int n = s.size();
    for (int i = 0; i < n; i++) {
      v[i] *= scale;
    }
  }

  @Override
  public String toString() {
    return "toFloat(" + scale + ")";
  }
}
