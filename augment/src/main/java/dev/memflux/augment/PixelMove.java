package dev.memflux.augment;

/**
 * An op that only moves pixels: each output value is one input value of the same channel, or the
 * fill. Moves that follow each other on a field are composed by a {@link Resampler} and applied in
 * one pass over the sample, with the same result as applying them one by one.
 */
interface PixelMove extends ImageOp {

  /** Draws this sample's move from {@code rng} and composes it onto {@code moves}. */
  void compose(Resampler moves, Rng rng);

  /** Applied alone (the stage composes instead): a composition of one move. */
  @Override
  default void apply(FloatSample s, Rng rng) {
    Resampler moves = new Resampler();
    moves.start(s);
    compose(moves, rng);
    moves.finish();
  }
}
