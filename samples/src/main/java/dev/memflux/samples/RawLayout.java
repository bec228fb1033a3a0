package dev.memflux.samples;

import dev.memflux.core.DType;
import dev.memflux.core.NpyArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options describing a headerless array file (an {@code np.memmap}): {@code --dtype}, {@code
 * --shape} and {@code --offset}, shared by the commands that read one. Mistakes are usage errors
 * naming the option and the value.
 */
final class RawLayout {

  @Spec(Spec.Target.MIXEE)
  private CommandSpec spec;

  @Option(
      names = "--dtype",
      paramLabel = "DTYPE",
      description =
          "raw element type, a numpy dtype string, e.g. '<f4', '|u1', '>i8' (quoted: the shell"
              + " reads < and > as redirections)")
  private String dtype;

  @Option(
      names = "--shape",
      paramLabel = "D0,D1,...",
      description = "raw dimensions, comma-separated, e.g. 1000,3,32,32")
  private String shape;

  @Option(
      names = "--offset",
      paramLabel = "BYTES",
      description = "raw byte offset of the first element (default 0)")
  private Long offset;

  /** Whether any of the options was given. */
  boolean given() {
    return dtype != null || shape != null || offset != null;
  }

  /** What the options describe. */
  record Layout(DType type, long[] shape, long offset) {

    /** Maps {@code file} as this layout. */
    NpyArray open(Path file) throws IOException {
      return NpyArray.openRaw(file, type, shape, offset);
    }
  }

  /**
   * The layout the options give.
   *
   * @throws ParameterException when --dtype or --shape is missing or an option is invalid
   */
  Layout resolve() {
    if (dtype == null || shape == null) {
      throw usage("a headerless file needs --dtype and --shape");
    }
    return new Layout(type(), dimensions(), offset());
  }

  private DType type() {
    try {
      return DType.parse(dtype);
    } catch (IllegalArgumentException e) {
      throw usage("invalid --dtype: " + e.getMessage());
    }
  }

  /** The dimensions, which may be written as numpy prints them: (2, 3). */
  private long[] dimensions() {
    String s = shape.strip();
    if (s.startsWith("(") && s.endsWith(")")) {
      s = s.substring(1, s.length() - 1);
    }
    if (s.isBlank()) {
      return new long[0];
    }
    try {
      long[] dims =
          Arrays.stream(s.split(",", -1)).map(String::strip).mapToLong(Long::parseLong).toArray();
      if (Arrays.stream(dims).anyMatch(d -> d < 0)) {
        throw new NumberFormatException();
      }
      return dims;
    } catch (NumberFormatException e) {
      throw usage(
          "invalid --shape '" + shape + "': expected non-negative integers such as 1000,3,32,32");
    }
  }

  /** The byte offset of the first element, 0 unless given. */
  private long offset() {
    long start = offset == null ? 0 : offset;
    if (start < 0) {
      throw usage("invalid --offset " + start + ": must be >= 0");
    }
    return start;
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
