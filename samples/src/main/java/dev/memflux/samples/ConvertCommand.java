package dev.memflux.samples;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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
 * </pre>
 *
 * <p>Each prints what it wrote. A bad input file or value prints one line on stderr and exits with
 * status 2; a half-written output is deleted.
 */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    description = "Convert IDX (MNIST, Fashion-MNIST) or raw np.memmap files to .npy.",
    subcommands = {ConvertCommand.Idx.class, ConvertCommand.Raw.class})
public final class ConvertCommand implements Callable<Integer> {

  /** The exit status for bad input: a usage error, as picocli reports bad arguments. */
  static final int BAD_INPUT = 2;

  @Spec private CommandSpec spec;

  /** Without a format there is nothing to do: reported as a usage error. */
  @Override
  public Integer call() {
    throw new ParameterException(
        spec.commandLine(), "missing format: use 'convert idx ...' or 'convert raw ...'");
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
    public Integer call() {
      return reportingErrors(
          spec,
          () -> {
            checkDistinct(in, out);
            try (IdxFile idx = IdxFile.open(in)) {
              long[] shape = idx.shape();
              DType dtype = idx.type().dtype();
              if (channels) {
                if (shape.length != 3) {
                  throw new IllegalArgumentException(
                      "--channels needs images of shape (N, H, W), but "
                          + in
                          + " has shape "
                          + IdxFile.shapeString(shape));
                }
                shape = new long[] {shape[0], 1, shape[1], shape[2]};
              }
              if (labelsInt64) {
                if (shape.length != 1) {
                  throw new IllegalArgumentException(
                      "--labels-int64 needs 1-d labels, but "
                          + in
                          + " has shape "
                          + IdxFile.shapeString(shape));
                }
                dtype = DType.INT64;
              }
              idx.toNpy(out, dtype, shape);
              return describe(out, shape, dtype);
            }
          });
    }
  }

  @Command(
      name = "raw",
      mixinStandardHelpOptions = true,
      description =
          "Convert a headerless C-ordered array (an np.memmap file) to .npy, keeping its dtype.")
  static final class Raw implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "raw array file")
    private Path in;

    @Parameters(index = "1", paramLabel = "OUT.npy", description = ".npy file to write")
    private Path out;

    @Option(
        names = "--dtype",
        required = true,
        paramLabel = "DTYPE",
        description = "numpy dtype string, e.g. <f4, |u1, >i8")
    private String dtype;

    @Option(
        names = "--shape",
        required = true,
        split = ",",
        paramLabel = "D",
        description = "dimensions, comma-separated, e.g. 1000,3,32,32")
    private long[] shape;

    @Option(
        names = "--offset",
        defaultValue = "0",
        paramLabel = "BYTES",
        description = "byte offset of the first element (default: ${DEFAULT-VALUE})")
    private long offset;

    @Override
    public Integer call() {
      return reportingErrors(
          spec,
          () -> {
            DType type = DType.parse(dtype);
            checkDistinct(in, out);
            try (NpyArray src = NpyArray.openRaw(in, type, shape, offset)) {
              copy(src, out);
            }
            return describe(out, shape, type);
          });
    }

    /** Element by element, because NpyArray has no bulk write yet; deletes {@code out} on error. */
    private static void copy(NpyArray src, Path out) throws IOException {
      long[] dims = src.shape();
      try (NpyArray dst = NpyArray.create(out, src.dtype(), dims)) {
        long[] index = new long[dims.length];
        boolean floating = src.dtype().kind() == DType.Kind.FLOAT;
        for (long i = 0, n = src.count(); i < n; i++) {
          if (floating) {
            dst.setDouble(src.getDouble(index), index);
          } else {
            dst.setLong(src.getLong(index), index);
          }
          for (int axis = dims.length - 1; axis >= 0 && ++index[axis] == dims[axis]; axis--) {
            index[axis] = 0;
          }
        }
        dst.force();
      } catch (IOException | RuntimeException | Error e) {
        try {
          Files.deleteIfExists(out);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    }
  }

  /** A conversion that returns the line describing what it wrote. */
  @FunctionalInterface
  private interface Conversion {
    String run() throws IOException;
  }

  /**
   * Runs a conversion, printing its result on stdout; bad input (an unreadable or malformed file, a
   * bad value) is one line on stderr and status 2, never a stack trace.
   */
  private static int reportingErrors(CommandSpec spec, Conversion conversion) {
    try {
      spec.commandLine().getOut().println(conversion.run());
      spec.commandLine().getOut().flush();
      return 0;
    } catch (IOException | IllegalArgumentException e) {
      spec.commandLine().getErr().println(spec.qualifiedName() + ": " + e.getMessage());
      spec.commandLine().getErr().flush();
      return BAD_INPUT;
    }
  }

  /** Creating the output truncates it: refuse when it is the input itself. */
  private static void checkDistinct(Path in, Path out) throws IOException {
    if (Files.exists(out) && Files.exists(in) && Files.isSameFile(in, out)) {
      throw new IllegalArgumentException("OUT " + out + " is the input file " + in);
    }
  }

  private static String describe(Path out, long[] shape, DType dtype) throws IOException {
    return "wrote "
        + out
        + ": shape "
        + IdxFile.shapeString(shape)
        + ", dtype "
        + dtype.descr()
        + ", "
        + Files.size(out)
        + " bytes";
  }
}
