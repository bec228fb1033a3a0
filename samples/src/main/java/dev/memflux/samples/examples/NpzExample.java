package dev.memflux.samples.examples;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.NpzMember;
import dev.memflux.core.Shuffle;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * An .npz archive: the members of {@code np.savez("data.npz", x=x, y=y)} mapped in place, without
 * extracting them. A member of {@code np.savez_compressed} cannot be mapped: {@code memflux convert
 * npz IN OUT} stores it once.
 *
 * <pre>
 * java -cp memflux.jar dev.memflux.samples.examples.NpzExample data.npz x y
 * </pre>
 */
public final class NpzExample {

  private NpzExample() {}

  /**
   * Lists an archive's members and reads one epoch of two of them.
   *
   * @param args the archive, and the keys of the input and label members ({@code x y} by default)
   */
  public static void main(String[] args) throws IOException {
    run(
        Path.of(args[0]),
        args.length > 1 ? args[1] : "x",
        args.length > 2 ? args[2] : "y",
        System.out);
  }

  /**
   * Lists the members of {@code npz}, then reads an epoch of members {@code x} and {@code y}.
   *
   * @return the rows delivered
   */
  @CanIgnoreReturnValue // printed to out; returned for the tests
  static long run(Path npz, String xKey, String yKey, PrintStream out) throws IOException {
    for (NpzMember member : NpyArray.npzMembers(npz)) { // np.load(npz).files, and how each is held
      out.println("member " + member.name() + ": " + member.compression());
    }
    try (NpyArray x = NpyArray.openNpz(npz, xKey); // np.load(npz)["x"], mapped in place
        NpyArray y = NpyArray.openNpz(npz, yKey)) {
      out.println("x: " + x);
      out.println("y: " + y);
      Loader loader = Loader.builder(x, y).batchSize(4).shuffle(Shuffle.random(7)).build();
      return EpochTally.print(loader, out);
    }
  }
}
