package dev.memflux.core.stage;

/**
 * Stage SPI: derives independent seeds from a base seed and coordinates such as (epoch, sample id),
 * so every random decision in memflux is a pure function of its inputs, whatever the thread timing.
 */
public final class Seeds {

  private Seeds() {}

  /** SplitMix64's finaliser: a bijective, well-avalanching 64-bit mix. */
  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** A seed for the given coordinates; changing any one of them changes the result. */
  public static long derive(long seed, long... coordinates) {
    long h = mix(seed + 0x9e3779b97f4a7c15L);
    for (long c : coordinates) {
      h = mix(h ^ mix(c + 0x9e3779b97f4a7c15L));
    }
    return h;
  }
}
