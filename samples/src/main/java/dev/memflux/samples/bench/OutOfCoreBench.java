package dev.memflux.samples.bench;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Predicate;

/**
 * {@code memflux bench --out-of-core}: memflux on data four times larger than the memory it may
 * use, against the peers and the disk's own limits, in one run. The data set and the method are
 * those of {@code ../shared/bench/peers/ooc/run_ooc.sh}: 320000 × 3×64×64 uint8 rows (3.9 GB, made
 * by its {@code make_ooc_data.py} when missing), each reader in a fresh 1 GiB memory cgroup after
 * the page cache is dropped ({@code in_memory_limit.sh}), batch 256, 20 s each. memflux runs first
 * ({@link OutOfCoreChild}, one child JVM per configuration), then the script runs the peers and
 * fio; the table gives memflux / best peer and memflux / disk limit (random rows against fio's 16
 * KiB random reads at queue depth 32, the others against its 1 MiB sequential reads).
 *
 * <p>Needs root (cgroups, dropping the page cache), Debian's python3-torch and python3-numpy, and
 * fio, as the script does; the script's directory comes from {@code $MEMFLUX_OOC_PEERS} or is found
 * at {@code ../shared/bench/peers/ooc} from the repository root. The data directory is {@code
 * $PEER_OOC_DATA}, else {@code /tmp/peer-ooc}.
 */
public final class OutOfCoreBench {

  /** Environment variable naming the directory of {@code run_ooc.sh}. */
  public static final String SCRIPTS_ENV = "MEMFLUX_OOC_PEERS";

  private static final long LIMIT = 1L << 30;
  private static final int SECONDS = 20;

  private final Path scripts;
  private final Path data;
  private final PrintStream out;
  private final PrintStream log;

  /**
   * A run with the scripts in {@code scripts} over the data in {@code data}.
   *
   * @param out where the table goes
   * @param log where progress and each loader's read mode go
   */
  public OutOfCoreBench(Path scripts, Path data, PrintStream out, PrintStream log) {
    this.scripts = scripts;
    this.data = data;
    this.out = out;
    this.log = log;
  }

  /**
   * The directory of {@code run_ooc.sh}: {@code $MEMFLUX_OOC_PEERS}, or {@code ooc} beside where
   * {@code bench --peers} looks for {@code run_all.sh} ({@code ../shared/bench/peers} from the
   * repository root).
   */
  public static Optional<Path> locateScripts() {
    String env = System.getenv(SCRIPTS_ENV);
    if (env != null && !env.isBlank()) {
      return Optional.of(Path.of(env));
    }
    return PeerRunner.usualPlaces().stream()
        .map(runAll -> runAll.resolveSibling("ooc"))
        .filter(d -> Files.isRegularFile(d.resolve("run_ooc.sh")))
        .findFirst();
  }

  /** The data directory the script uses: {@code $PEER_OOC_DATA}, else {@code /tmp/peer-ooc}. */
  public static Path defaultData() {
    String env = System.getenv("PEER_OOC_DATA");
    return Path.of(env != null && !env.isBlank() ? env : "/tmp/peer-ooc");
  }

  /**
   * Runs memflux's configurations, then the peers and fio; prints the table; writes every row to
   * {@code json} unless null.
   *
   * @throws IllegalArgumentException when not run as root
   * @throws IOException when a child or the script fails, naming it and its output
   */
  @CanIgnoreReturnValue // also written to json and printed
  public List<Result> run(Path json) throws IOException, InterruptedException {
    if (!Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))) {
      throw new IllegalArgumentException(
          "--out-of-core needs root (memory cgroups, dropping the page cache)");
    }
    ensureData();
    List<Result> rows = new ArrayList<>();
    for (OutOfCoreChild.Variant v : OutOfCoreChild.Variant.values()) {
      rows.add(runMemflux(v));
    }
    rows.addAll(runPeers());
    out.print(render(rows));
    if (json != null) {
      ResultsJson.write(json, rows);
      out.println("json: " + json.toAbsolutePath());
    }
    return rows;
  }

  private void ensureData() throws IOException, InterruptedException {
    if (Files.isRegularFile(data.resolve("ooc_x.npy"))
        && Files.isRegularFile(data.resolve("ooc_y.npy"))) {
      return;
    }
    log.println("bench: creating the out-of-core data in " + data + " (3.9 GB)");
    run(
        List.of(
            "/usr/bin/python3", scripts.resolve("make_ooc_data.py").toString(), data.toString()),
        "make_ooc_data.py");
  }

  private Result runMemflux(OutOfCoreChild.Variant v) throws IOException, InterruptedException {
    Path result = Files.createTempFile("memflux-ooc-", ".json");
    try {
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  scripts.resolve("in_memory_limit.sh").toString(),
                  Long.toString(LIMIT),
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  OutOfCoreChild.class.getName(),
                  data.toString(),
                  v.id,
                  Integer.toString(SECONDS),
                  result.toString()));
      log.printf(
          "bench: out-of-core memflux %s (%d s in a %d MiB cgroup)...%n",
          v.id, SECONDS, LIMIT >> 20);
      run(cmd, "memflux " + v.id);
      return ResultsJson.read(result).get(0);
    } finally {
      Files.deleteIfExists(result);
    }
  }

  private List<Result> runPeers() throws IOException, InterruptedException {
    Path result = Files.createTempFile("memflux-ooc-peers-", ".json");
    try {
      log.println("bench: out-of-core peers and fio (run_ooc.sh, about 3 minutes)...");
      run(
          List.of("bash", scripts.resolve("run_ooc.sh").toString(), "--json", result.toString()),
          "run_ooc.sh");
      return ResultsJson.read(result);
    } finally {
      Files.deleteIfExists(result);
    }
  }

  /**
   * Runs {@code cmd} with the data directory in its environment; its output goes to the log. Waits
   * at most an hour; a failure names the command, its status and its output's end.
   */
  private void run(List<String> cmd, String what) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("PEER_OOC_DATA", data.toString());
    Process p = pb.start();
    StringBuilder output = new StringBuilder();
    Thread pump =
        new Thread(
            () -> {
              try {
                new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .forEach(line -> output.append(line).append('\n'));
              } catch (IOException e) {
                output.append(e);
              }
            },
            "memflux-bench-output");
    pump.start();
    boolean done = p.waitFor(1, java.util.concurrent.TimeUnit.HOURS);
    if (!done) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    pump.join(10_000);
    String text = output.toString();
    for (String line : text.split("\n", -1)) {
      if (line.startsWith("bench: ")) {
        log.println(line);
      }
    }
    if (!done || p.exitValue() != 0) {
      String tail = text.length() > 2000 ? text.substring(text.length() - 2000) : text;
      throw new IOException(
          what + " failed (" + (done ? "status " + p.exitValue() : "timed out") + "):\n" + tail);
    }
  }

  /** The table: every row, with memflux's against the best peer and the disk's limit. */
  static String render(List<Result> rows) {
    String format = "%-11s %-24s %-5s %4s %12s %8s %9s %10s%n";
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            format,
            "stage",
            "impl/variant",
            "shuf",
            "thr",
            "samples/s",
            "GB/s",
            "/peer",
            "/disk"));
    b.append("-".repeat(90)).append('\n');
    for (Result r : rows) {
      boolean mine = r.impl().equals("memflux");
      b.append(
          String.format(
              Locale.ROOT,
              format,
              r.stage(),
              r.impl() + (r.variant().isEmpty() || !mine ? "" : " " + r.variant()),
              r.shuffle() ? "T" : "F",
              r.threads(),
              String.format(Locale.ROOT, "%,.0f", r.samplesPerSec()),
              String.format(Locale.ROOT, "%.3f", r.gbPerSec()),
              mine ? ratio(r.samplesPerSec(), bestPeer(rows, r.shuffle())) : "",
              mine ? diskRatio(rows, r) : ""));
    }
    b.append(
        "/peer: samples/s against the best peer configuration of the same order; /disk: random"
            + " rows/s against fio's 16 KiB random reads at queue depth 32 (IOPS), blocks and"
            + " sequential GB/s against its 1 MiB sequential reads at depth 8.\n");
    return b.toString();
  }

  private static OptionalDouble bestPeer(List<Result> rows, boolean shuffle) {
    return best(rows, r -> r.impl().startsWith("peer-") && r.shuffle() == shuffle, false);
  }

  private static String diskRatio(List<Result> rows, Result r) {
    boolean random = r.variant().startsWith("random");
    String limit = random ? "disk-randread-16k-qd32" : "disk-seqread-1m-qd8";
    OptionalDouble disk = best(rows, l -> l.impl().equals(limit), !random);
    return ratio(random ? r.samplesPerSec() : r.gbPerSec(), disk);
  }

  private static OptionalDouble best(List<Result> rows, Predicate<Result> which, boolean bytes) {
    return rows.stream()
        .filter(which)
        .mapToDouble(r -> bytes ? r.gbPerSec() : r.samplesPerSec())
        .filter(v -> !Double.isNaN(v))
        .max();
  }

  private static String ratio(double mine, OptionalDouble reference) {
    return reference.isPresent() && reference.getAsDouble() > 0
        ? String.format(Locale.ROOT, "%.2fx", mine / reference.getAsDouble())
        : "";
  }
}
