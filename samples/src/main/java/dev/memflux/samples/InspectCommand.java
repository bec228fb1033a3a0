package dev.memflux.samples;

import dev.memflux.core.NpyArray;
import dev.memflux.samples.data.ArraySummary;
import dev.memflux.samples.data.InputFiles;
import dev.memflux.samples.data.NpzSummary;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code memflux inspect FILE [--json]}: what a .npy (or raw np.memmap) file holds: shape, dtype,
 * order, format version, element count, float64 sum, first and last element. For an .npz, its
 * members (name, stored or compressed, shape and dtype), or with {@code --member} one member as a
 * .npy.
 *
 * <pre>
 * memflux inspect train_x.npy --json
 * memflux inspect data.bin --raw --dtype '&lt;f4' --shape 1000,3,32,32 --offset 0
 * memflux inspect data.npz
 * memflux inspect data.npz --member x
 * </pre>
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Print the shape, dtype, order, format version, element count, sum (float64),",
      "first element (all indices 0) and last element (all indices -1) of a .npy file;",
      "the members of an .npz (or, with --member, one of them)."
    })
final class InspectCommand implements Callable<Integer> {

  /** Bytes summed per gather; rows larger than this are summed element by element. */
  private static final int BLOCK_BYTES = 4 << 20;

  @Spec private CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "FILE",
      description = "a .npy or .npz file, or raw with --raw")
  private Path file;

  @Option(
      names = "--member",
      paramLabel = "NAME",
      description = "the .npz member to inspect, as numpy names it (x for x.npy)")
  private String member;

  @Option(names = "--json", description = "print one JSON object instead of text")
  private boolean json;

  @Option(names = "--raw", description = "FILE is headerless (np.memmap); needs --dtype, --shape")
  private boolean raw;

  @Mixin private RawLayout layout;

  /** Prints the summary; errors go to picocli's handlers set up in {@link Main}. */
  @Override
  public Integer call() throws IOException {
    InputFiles.requireRegular(file);
    PrintWriter out = spec.commandLine().getOut();
    if (member == null && !raw && InputFiles.isZip(file)) {
      NpzSummary members = NpzSummary.of(file);
      out.println(json ? members.toJson() : members.toText());
      out.flush();
      return 0;
    }
    try (NpyArray array = open()) {
      ArraySummary summary = ArraySummary.of(array, BLOCK_BYTES);
      out.println(json ? summary.toJson() : summary.toText());
      out.flush();
    }
    return 0;
  }

  private NpyArray open() throws IOException {
    if (member != null) {
      if (raw || layout.given()) {
        throw usage("--member is for .npz files; --raw, --dtype, --shape and --offset are not");
      }
      return NpyArray.openNpz(file, member);
    }
    if (raw) {
      return layout.resolve().open(file);
    }
    if (layout.given()) {
      throw usage("--dtype, --shape and --offset are for headerless files: add --raw");
    }
    return NpyArray.open(file);
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
