package dev.memflux.augment;

/**
 * The scratch of one worker: a sample, a generator, a move composer and a byte row, reused for
 * every sample it augments so steady state allocates nothing per sample. Used by one thread at a
 * time.
 */
final class Worker {

  final FloatSample sample = new FloatSample();
  final Rng rng = new Rng();
  final Resampler resampler = new Resampler();
  private byte[] bytes = new byte[0];

  byte[] bytes(int n) {
    if (bytes.length < n) {
      bytes = new byte[n];
    }
    return bytes;
  }
}
