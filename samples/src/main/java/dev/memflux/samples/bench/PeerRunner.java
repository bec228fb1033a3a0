package dev.memflux.samples.bench;

import static java.util.stream.Collectors.joining;

import dev.memflux.samples.data.FileTrees;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the peer baseline, PyTorch's {@code DataLoader} over {@code np.memmap} ({@code run_all.sh
 * --quick --json FILE} with {@code PEER_DATA} set to the bench's data directory), on the same
 * files, and reads back its rows and its measure of the machine's gather ({@link PeerLimits}). Its
 * console output goes to a log file beside the data.
 */
final class PeerRunner {

  /** Environment variable naming {@code run_all.sh}, when it is not in its usual place. */
  static final String SCRIPT_ENV = "MEMFLUX_PEER_SCRIPT";

  /** {@code run_all.sh}'s status when Debian's python3-torch is missing. */
  private static final int NOT_INSTALLED = 3;

  private static final String RELATIVE = "../shared/bench/peers/run_all.sh";

  private final Path script;

  /** A runner for the script at {@code script}. */
  PeerRunner(Path script) {
    this.script = script;
  }

  /**
   * The peer's {@code run_all.sh}: {@code option} (from {@code --peer-script}) when given, else
   * {@code env} (from {@value #SCRIPT_ENV}) when set, else the first of {@link #usualPlaces()} that
   * exists.
   *
   * @throws IllegalArgumentException naming the file and where it came from when it is not a
   *     regular file, or, when none is given, the places where it was expected and how to name it
   */
  static Path script(Path option, String env, List<Path> usualPlaces) {
    if (option != null) {
      return checked("--peer-script " + option, option);
    }
    if (env != null && !env.isBlank()) {
      return checked("$" + SCRIPT_ENV + "=" + env, Path.of(env));
    }
    return usualPlaces.stream()
        .filter(Files::isRegularFile)
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "--peers: the peer script is not where it is expected, "
                        + usualPlaces.stream().map(Path::toString).collect(joining(" or "))
                        + " (the peers live beside the repository, in ../shared/bench/peers);"
                        + " give its place with --peer-script FILE or "
                        + SCRIPT_ENV
                        + "=FILE"));
  }

  private static Path checked(String source, Path script) {
    if (!Files.isRegularFile(script)) {
      throw new IllegalArgumentException(
          "--peers: "
              + source
              + ": "
              + (Files.exists(script) ? "not a regular file" : "no such file"));
    }
    return script;
  }

  /**
   * Where {@code run_all.sh} usually is: {@code ../shared/bench/peers/run_all.sh} relative to the
   * repository root, which is taken to be the working directory, or else the directory two levels
   * above the running jar ({@code samples/target/memflux.jar}).
   */
  static List<Path> usualPlaces() {
    List<Path> roots = new ArrayList<>();
    roots.add(Path.of("").toAbsolutePath());
    CodeSource source = PeerRunner.class.getProtectionDomain().getCodeSource();
    if (source != null) {
      try {
        // samples/target/memflux.jar or samples/target/classes: the root is three levels up
        Path root = Path.of(source.getLocation().toURI()).getParent();
        for (int up = 0; up < 2 && root != null; up++) {
          root = root.getParent();
        }
        if (root != null) {
          roots.add(root);
        }
      } catch (URISyntaxException | IllegalArgumentException notAFile) {
        // the classes do not come from a file: the working directory is the only guess
      }
    }
    return roots.stream().map(r -> r.resolve(RELATIVE).normalize()).distinct().toList();
  }

  /**
   * Runs the peer on the files in {@code dataDir}.
   *
   * @param log where to say what happens, and how to install the peer when it is missing
   * @return the peer's rows, or empty when it is not installed
   * @throws IOException when the script fails otherwise, naming its status and log
   */
  List<Result> run(Path dataDir, PrintStream log) throws IOException, InterruptedException {
    Path output = dataDir.resolve("peer.log");
    Path json = null;
    Path resultsDir = null;
    try {
      json = Files.createTempFile("memflux-peer-", ".json");
      resultsDir = Files.createTempDirectory("memflux-peer-results-");
      ProcessBuilder pb =
          new ProcessBuilder("bash", script.toString(), "--quick", "--json", json.toString())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile());
      pb.environment().put("PEER_DATA", dataDir.toAbsolutePath().toString());
      pb.environment().put("PEER_RESULTS", resultsDir.toString());
      log.printf("bench: running the peer %s (output in %s)%n", script, output);
      int status = waitFor(pb.start());
      if (status == NOT_INSTALLED) {
        log.println(
            "bench: the peer is not installed; install Debian's PyTorch with"
                + " `apt-get install -y python3-torch python3-torchvision python3-numpy`"
                + " and run again with --peers");
        return List.of();
      }
      if (status != 0) {
        throw new IOException(
            "the peer " + script + " failed with status " + status + "; see " + output);
      }
      List<Result> rows = new ArrayList<>(ResultsJson.read(json));
      rows.addAll(PeerLimits.gatherRows(resultsDir));
      return rows;
    } finally {
      if (json != null) {
        Files.deleteIfExists(json);
      }
      if (resultsDir != null) {
        FileTrees.delete(resultsDir);
      }
    }
  }

  /**
   * The script's exit status. Should waiting be interrupted or fail, the script and the Python it
   * started are killed rather than left running on the bench's files.
   */
  private static int waitFor(Process process) throws InterruptedException {
    try {
      return process.waitFor();
    } finally {
      if (process.isAlive()) {
        // Children first: once bash is gone they are no longer its descendants.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    }
  }
}
