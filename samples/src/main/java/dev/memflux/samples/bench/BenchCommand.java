package dev.memflux.samples.bench;

import dev.memflux.samples.data.DataSource;
import dev.memflux.samples.data.OutputPlaces;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memflux bench}: measures this machine's limits, the loader, loader plus augmentation and
 * training, on the peer's benchmark files (created once in the data directory), and optionally the
 * peer itself on the same files; prints a table and writes every figure as JSON.
 *
 * <pre>
 * java -jar samples/target/memflux.jar bench --quick --peers --json /tmp/bench.json
 * </pre>
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmark memflux on this machine: memory-copy and sequential-read limits, loader only,"
          + " shards and windows against one plain file of the same bytes, loader + flip + rotate,"
          + " training (memflux vs preloaded NDArrays vs DJL's pipeline).",
      "The files (fmnist_train_x/y.npy, img_x/y.npy, the peer's names) are created once in --data."
    })
public final class BenchCommand implements Callable<Integer> {

  @Option(names = "--quick", description = "Fewer repetitions and less data: under 2 minutes.")
  private boolean quick;

  @Option(names = "--json", paramLabel = "FILE", description = "Write every figure as JSON here.")
  private Path json;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description =
          "Where the benchmark files are kept (default: $XDG_CACHE_HOME/memflux/bench,"
              + " or ~/.cache/memflux/bench when that is unset).")
  private Path data;

  @Option(
      names = "--peers",
      description = "Also run the PyTorch DataLoader peer on the same files and print the ratios.")
  private boolean peers;

  @Option(
      names = "--only",
      split = ",",
      paramLabel = "SECTION",
      description =
          "Run only these sections, of: ${COMPLETION-CANDIDATES} (default: all but quickstart,"
              + " which runs the README's quickstart and memflux train alternately, minutes).")
  private Set<BenchRun.Section> only = BenchRun.Section.defaults();

  @Option(
      names = "--peer-script",
      paramLabel = "FILE",
      description =
          "The peer's run_all.sh (default: $"
              + PeerRunner.SCRIPT_ENV
              + ", else ../shared/bench/peers/run_all.sh from the repository root).")
  private Path peerScript;

  @Option(
      names = "--out-of-core",
      description =
          "Run only the out-of-core section: memflux, the peers and fio on data four times the"
              + " memory of a 1 GiB cgroup (../shared/bench/peers/ooc; needs root, fio and"
              + " python3-torch; about 6 minutes).")
  private boolean outOfCore;

  @Option(
      names = "--scale",
      hidden = true,
      defaultValue = "1",
      description = "Shrink the data sets and the work per repetition (tests).")
  private double scale;

  /**
   * Checks the output places, prepares the files and runs the sections; bad options or places throw
   * before any measurement.
   *
   * @return 0
   */
  @Override
  public Integer call() throws Exception {
    if (outOfCore) {
      if (json != null) {
        OutputPlaces.file("--json", json);
      }
      Path scripts =
          OutOfCoreBench.locateScripts()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "--out-of-core: ../shared/bench/peers/ooc/run_ooc.sh not found; set "
                              + OutOfCoreBench.SCRIPTS_ENV));
      new OutOfCoreBench(scripts, OutOfCoreBench.defaultData(), System.out, System.err).run(json);
      return 0;
    }
    BenchSettings settings = new BenchSettings(quick, scale);
    Path dir = data != null ? data : defaultDir(scale);
    // Before any work: the JSON is written only after minutes of measuring.
    OutputPlaces.directory("--data", dir);
    if (json != null) {
      OutputPlaces.file("--json", json);
    }
    Optional<PeerRunner> peer = Optional.empty();
    if (peers) {
      String env = System.getenv(PeerRunner.SCRIPT_ENV);
      peer =
          Optional.of(new PeerRunner(PeerRunner.script(peerScript, env, PeerRunner.usualPlaces())));
    }
    new BenchRun(settings, new BenchFiles(dir, settings), only, peer, System.out, System.err)
        .run(json);
    return 0;
  }

  /** Scaled (test) runs get a subfolder of their own, so they never replace full-size files. */
  private static Path defaultDir(double scale) {
    Path dir =
        DataSource.defaultCacheDir(System.getenv(), Path.of(System.getProperty("user.home")))
            .resolve("bench");
    return scale == 1 ? dir : dir.resolve("scale-" + scale);
  }
}
