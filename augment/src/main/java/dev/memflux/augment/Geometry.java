package dev.memflux.augment;

/** The shape of one image as ops see it: channel planes of height x width. */
record Geometry(int channels, int height, int width) {

  int size() {
    return Math.multiplyExact(Math.multiplyExact(channels, height), width);
  }
}
