package dev.memflux.augment;

import java.util.SplittableRandom;

/**
 * A user-supplied per-sample op for {@link Augment#map(SampleOp)}: it changes the values of one
 * image in place. It must not keep the sample after returning, and must draw all its randomness
 * from {@code random}, which is seeded from (seed, epoch, sample id, op position) so the output is
 * the same for any parallelism and after a resume.
 *
 * <pre>{@code
 * SampleOp invert = (sample, random) -> {
 *   float[] v = sample.array();
 *   for (int i = 0; i < sample.size(); i++) {
 *     v[i] = 1f - v[i];
 *   }
 * };
 * }</pre>
 *
 * <p>It runs concurrently on several threads for different samples: it must be thread-safe (keep no
 * mutable state of its own).
 */
@FunctionalInterface
public interface SampleOp {

  /**
   * Changes {@code sample}'s values in place.
   *
   * @param sample the image, as float channel planes; valid only during this call
   * @param random this sample's own generator for this op
   */
  void apply(FloatSample sample, SplittableRandom random);
}
