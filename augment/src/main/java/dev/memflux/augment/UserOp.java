package dev.memflux.augment;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Runs a user's {@link SampleOp}. It gets a {@link SplittableRandom} of its own per sample (one
 * small allocation per sample; the built-in ops reuse a per-worker generator instead).
 */
final class UserOp implements ImageOp {

  private final SampleOp op;

  UserOp(SampleOp op) {
    this.op = Objects.requireNonNull(op, "op");
  }

  @Override
  public void apply(FloatSample s, Rng rng) {
    op.apply(s, new SplittableRandom(rng.nextLong()));
  }

  @Override
  public String toString() {
    return "map(" + op + ")";
  }
}
