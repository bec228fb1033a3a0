package dev.memflux.samples.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The peer's own measure of the machine's random-row gather ({@code limits.py}: numpy's {@code
 * np.take} of shuffled rows from the page-cached memmap into a batch buffer), read from the {@code
 * limits.tsv} that {@code run_all.sh} leaves in its results directory. It is the native-code bound
 * for a shuffled loader on these files: memflux's shuffled rows are compared against it.
 */
final class PeerLimits {

  /** The peer's names for the data sets, and the bench's. */
  private static final Map<String, String> DATASETS =
      Map.of("fmnist", BenchDataset.FMNIST.id(), "img64f32", BenchDataset.IMAGES.id());

  private PeerLimits() {}

  /**
   * The gather rows of every {@code limits.tsv} under {@code resultsDir}, as {@code limit} rows of
   * impl {@code gather}; none when the peer left no such file.
   */
  static List<Result> gatherRows(Path resultsDir) throws IOException {
    List<Result> rows = new ArrayList<>();
    try (Stream<Path> files = Files.walk(resultsDir)) {
      for (Path tsv : files.filter(p -> p.endsWith("limits.tsv")).toList()) {
        for (String line : Files.readAllLines(tsv)) {
          parse(line, tsv).ifPresent(rows::add);
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return rows;
  }

  /**
   * One line: {@code gather <TAB> img64f32 49152B/row mapped 2T <TAB> rows/s <TAB> rows/s <TAB>
   * GB/s <TAB> GB/s}; other sections and unknown data sets give nothing.
   */
  private static Optional<Result> parse(String line, Path tsv) throws IOException {
    String[] cells = line.split("\t", -1);
    if (cells.length < 6 || !cells[0].equals("gather")) {
      return Optional.empty();
    }
    String[] what = cells[1].trim().split(" +", -1);
    if (what.length != 4 || !what[3].endsWith("T") || !DATASETS.containsKey(what[0])) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new Result(
              "limit",
              "gather",
              "np.take " + what[2],
              DATASETS.get(what[0]),
              true,
              Integer.parseInt(what[3].substring(0, what[3].length() - 1)),
              Double.parseDouble(cells[2]),
              Double.parseDouble(cells[4]),
              Double.NaN,
              Double.NaN,
              0,
              0,
              ""));
    } catch (NumberFormatException e) {
      throw new IOException("unreadable line in the peer's " + tsv + ": " + line, e);
    }
  }
}
