package dev.memflux.core;

import java.util.Objects;

/**
 * One member of an .npz archive, as {@link NpyArray#npzMembers} lists it.
 *
 * @param name the key numpy gives it ({@code np.load(path).files}): the file name in the archive
 *     without its {@code .npy} suffix, such as {@code x} for {@code x.npy}
 * @param compression how the archive holds it: {@code "stored"} (as {@code np.savez} writes it),
 *     {@code "deflate"} (as {@code np.savez_compressed} does), or another ZIP method's name
 * @param size bytes of the member's .npy file
 * @param compressedSize bytes the member takes in the archive; {@code size} when stored
 */
public record NpzMember(String name, String compression, long size, long compressedSize) {

  /** Checks the values. */
  public NpzMember {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(compression, "compression");
    if (size < 0 || compressedSize < 0) {
      throw new IllegalArgumentException(
          "sizes must be >= 0, were " + size + " and " + compressedSize);
    }
  }

  /** Whether the member is stored uncompressed, so that {@link NpyArray#openNpz} can map it. */
  public boolean stored() {
    return compression.equals(ZipDirectory.methodName(ZipDirectory.STORED));
  }
}
