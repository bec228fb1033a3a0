package dev.memflux.samples;

import dev.memflux.core.NpyArray;
import dev.memflux.core.NpyWriter;
import dev.memflux.core.NpzMember;
import dev.memflux.samples.data.IdxConverter;
import dev.memflux.samples.data.InputFiles;
import dev.memflux.samples.data.NpzConverter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code memflux convert}: writes .npy files from other array formats, one subcommand per format.
 *
 * <pre>
 * memflux convert idx train-images-idx3-ubyte.gz train_x.npy --channels
 * memflux convert idx train-labels-idx1-ubyte.gz train_y.npy --labels-int64
 * memflux convert raw data.bin --dtype '&lt;f4' --shape 1000,3,32,32 --offset 0 data.npy
 * memflux convert npz compressed.npz stored.npz
 * </pre>
 *
 * <p>Each prints what it wrote. OUT appears whole or not at all ({@link NpyWriter} writes it beside
 * the destination and renames it over): a failure, a full disk or a kill leaves any previous OUT as
 * it was, and a symbolic link at OUT stays a link to the replaced file. Errors reach the handlers
 * set up in {@link Main}: a bad input file or value is one line on stderr and status 2, saying
 * whether OUT was left as it was.
 */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    description =
        "Convert IDX (MNIST, Fashion-MNIST) or raw np.memmap files to .npy; store an .npz's"
            + " members uncompressed.",
    subcommands = {ConvertCommand.Idx.class, ConvertCommand.Raw.class, ConvertCommand.Npz.class})
final class ConvertCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  /** Without a format there is nothing to do: reported as a usage error. */
  @Override
  public Integer call() {
    throw new ParameterException(
        spec.commandLine(),
        "missing format: use 'convert idx ...', 'convert raw ...' or 'convert npz ...'");
  }

  @Command(
      name = "idx",
      mixinStandardHelpOptions = true,
      description = {
        "Convert an IDX file (plain or gzip) to .npy, keeping its element type.",
        "Images (N, H, W) stay (N, H, W) unless --channels; labels stay u1 unless --labels-int64."
      })
  static final class Idx implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "IDX file, optionally gzipped")
    private Path in;

    @Parameters(index = "1", paramLabel = "OUT.npy", description = ".npy file to write")
    private Path out;

    @Option(
        names = "--channels",
        description = "write images (N, H, W) as (N, 1, H, W), the layout of a CNN's input")
    private boolean channels;

    @Option(
        names = "--labels-int64",
        description = "write 1-d labels as int64, the type DJL's softmax loss expects")
    private boolean labelsInt64;

    @Override
    public Integer call() throws IOException {
      replace(in, out, () -> IdxConverter.convert(in, out, channels, labelsInt64));
      return printWritten(spec, out);
    }
  }

  @Command(
      name = "raw",
      mixinStandardHelpOptions = true,
      description =
          "Convert a headerless C-ordered array (an np.memmap file), described by --dtype and"
              + " --shape, to .npy, keeping its dtype.")
  static final class Raw implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "raw array file")
    private Path in;

    @Parameters(index = "1", paramLabel = "OUT.npy", description = ".npy file to write")
    private Path out;

    @Mixin private RawLayout layout;

    @Override
    public Integer call() throws IOException {
      RawLayout.Layout raw = layout.resolve();
      replace(in, out, () -> copy(raw));
      return printWritten(spec, out);
    }

    private void copy(RawLayout.Layout raw) throws IOException {
      long bytes;
      try (NpyArray src = raw.open(in)) {
        bytes = src.count() * raw.type().itemSize(); // opened to check the shape, offset and size
      }
      // The output keeps the input's dtype and byte order: its data is the same bytes.
      try (FileChannel src = FileChannel.open(in, StandardOpenOption.READ);
          NpyWriter dst = NpyWriter.create(out, raw.type(), raw.shape())) {
        dst.transferFrom(src, raw.offset(), bytes);
        dst.finish();
      }
    }
  }

  @Command(
      name = "npz",
      mixinStandardHelpOptions = true,
      description = {
        "Rewrite an .npz with every member stored (uncompressed), each array's data 64-byte"
            + " aligned,",
        "so that NpyArray.openNpz can memory-map it: np.savez_compressed's archive as np.savez"
            + " writes it."
      })
  static final class Npz implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN.npz", description = ".npz archive to read")
    private Path in;

    @Parameters(index = "1", paramLabel = "OUT.npz", description = ".npz archive to write")
    private Path out;

    @Override
    public Integer call() throws IOException {
      replace(
          in,
          out,
          () -> {
            int unused = NpzConverter.store(in, out); // the members are listed from OUT below
          });
      List<NpzMember> members = NpyArray.npzMembers(out);
      StringBuilder line =
          new StringBuilder("wrote ").append(out).append(": ").append(members.size());
      line.append(members.size() == 1 ? " member" : " members").append(", all stored");
      for (int i = 0; i < members.size(); i++) {
        line.append(i == 0 ? " (" : ", ").append(members.get(i).name());
        if (i == members.size() - 1) {
          line.append(')');
        }
      }
      line.append(", ").append(Files.size(out)).append(" bytes");
      spec.commandLine().getOut().println(line);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  /** Writes OUT; a conversion's only effect is the file it puts in place. */
  @FunctionalInterface
  private interface Conversion {
    void run() throws IOException;
  }

  /**
   * Checks {@code in} and {@code out}, then runs {@code conversion}, which replaces {@code out}.
   * When it fails with an {@link IOException}, the message says whether {@code out} was left as it
   * was (checked, not assumed: only a failed directory sync after the rename changes it).
   */
  private static void replace(Path in, Path out, Conversion conversion) throws IOException {
    InputFiles.requireRegular(in);
    checkDistinct(in, out);
    Object before = identity(out);
    try {
      conversion.run();
    } catch (IOException e) {
      Object after = identity(out);
      if (after == null && before == null) {
        throw new IOException(e.getMessage() + "; nothing written to " + out, e);
      }
      if (after != null && after.equals(before)) {
        throw new IOException(e.getMessage() + "; " + out + " left as it was", e);
      }
      throw e;
    }
  }

  /**
   * The output replaces whatever is at OUT once it is complete; were that the input, the input
   * would be gone (for {@code raw}, its data with it). A slip, surely: refused.
   */
  private static void checkDistinct(Path in, Path out) throws IOException {
    if (Files.exists(out) && Files.isSameFile(in, out)) {
      throw new IllegalArgumentException("OUT " + out + " is the input file " + in);
    }
  }

  /** What tells the file at {@code path} (after links) from a replacement; null when none. */
  private static @Nullable Object identity(Path path) {
    try {
      BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
      Object key = a.fileKey() != null ? a.fileKey() : a.creationTime();
      return List.of(key, a.lastModifiedTime(), a.size());
    } catch (IOException absent) {
      return null;
    }
  }

  /** Prints the line describing what was written, read back from the file itself. */
  private static int printWritten(CommandSpec spec, Path out) throws IOException {
    String line;
    try (NpyArray written = NpyArray.open(out)) {
      line =
          "wrote "
              + out
              + ": shape "
              + NpyArray.shapeString(written.shape())
              + ", dtype "
              + written.dtype().descr()
              + ", "
              + Files.size(out)
              + " bytes";
    }
    spec.commandLine().getOut().println(line);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
