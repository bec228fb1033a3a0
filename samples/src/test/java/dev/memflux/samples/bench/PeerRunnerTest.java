package dev.memflux.samples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The peer is run as a script that writes what run_all.sh writes: its JSON and limits.tsv. */
class PeerRunnerTest {

  @TempDir Path dir;

  @Test
  void readsThePeersRowsAndItsGatherLimitsAndLeavesNoResultsBehind() throws Exception {
    Path script =
        script(
            """
            json="$3"
            cat > "$json" <<'JSON'
            {"results": [{"stage": "loader", "impl": "peer-dataloader", "dataset": "images-f32",
              "shuffle": true, "threads": 2, "samples_per_sec": 96000.5, "gb_per_sec": 4.7}]}
            JSON
            mkdir -p "$PEER_RESULTS/20261124-000000"
            printf 'memcpy\\tnp.copyto 1 GiB, 1 thread, best of 5\\t13.28\\tGB/s\\t\\t\\n' \
              > "$PEER_RESULTS/20261124-000000/limits.tsv"
            printf 'gather\\timg64f32 49152B/row mapped 2T\\t378405.47\\trows/s\\t18.6\\tGB/s\\n' \
              >> "$PEER_RESULTS/20261124-000000/limits.tsv"
            printf 'gather\\timg224u8 150528B/row mapped 1T\\t9000\\trows/s\\t1.3\\tGB/s\\n' \
              >> "$PEER_RESULTS/20261124-000000/limits.tsv"
            echo "$PEER_RESULTS" > "%s"
            """
                .formatted(dir.resolve("results-dir")));

    List<Result> rows = new PeerRunner(script).run(dir, quiet());

    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).impl()).isEqualTo("peer-dataloader");
    assertThat(rows.get(0).samplesPerSec()).isEqualTo(96000.5);
    Result gather = rows.get(1);
    assertThat(gather.stage()).isEqualTo("limit");
    assertThat(gather.impl()).isEqualTo("gather");
    assertThat(gather.variant()).isEqualTo("np.take mapped");
    assertThat(gather.dataset()).isEqualTo("images-f32");
    assertThat(gather.shuffle()).isTrue();
    assertThat(gather.threads()).isEqualTo(2);
    assertThat(gather.samplesPerSec()).isEqualTo(378405.47);
    assertThat(gather.gbPerSec()).isEqualTo(18.6);
    Path results = Path.of(Files.readString(dir.resolve("results-dir")).trim());
    assertThat(results).doesNotExist();
  }

  @Test
  void aMissingPeerGivesNoRowsAndAFailingOneNamesItsStatus() throws Exception {
    assertThat(new PeerRunner(script("exit 3")).run(dir, quiet())).isEmpty();
    assertThatThrownBy(() -> new PeerRunner(script("exit 7")).run(dir, quiet()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("status 7")
        .hasMessageContaining("peer.log");
  }

  /** Issue 18: on a fresh clone, without ../shared, --peers said only "run_all.sh not found". */
  @Test
  void withoutThePeerScriptTheMessageSaysWhereItIsExpectedAndHowToNameIt() {
    List<Path> places = List.of(dir.resolve("a/run_all.sh"), dir.resolve("b/run_all.sh"));

    assertThatThrownBy(() -> PeerRunner.script(null, null, places))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--peers: the peer script is not where it is expected, "
                + places.get(0)
                + " or "
                + places.get(1)
                + " (the peers live beside the repository, in ../shared/bench/peers); give its"
                + " place with --peer-script FILE or MEMFLUX_PEER_SCRIPT=FILE");
  }

  @Test
  void theScriptIsTheOptionElseTheEnvironmentElseTheFirstUsualPlaceThatExists() throws Exception {
    Path option = script("exit 0");
    Path env = script("exit 0");
    Path usual = Files.createDirectories(dir.resolve("b")).resolve("run_all.sh");
    Files.writeString(usual, "exit 0");
    List<Path> places = List.of(dir.resolve("a/run_all.sh"), usual);

    assertThat(PeerRunner.script(option, env.toString(), places)).isEqualTo(option);
    assertThat(PeerRunner.script(null, env.toString(), places)).isEqualTo(env);
    assertThat(PeerRunner.script(null, " ", places)).isEqualTo(usual);
  }

  @Test
  void aNamedScriptThatIsNotAFileIsNamedWithWhereItCameFrom() {
    Path missing = dir.resolve("nope.sh");

    assertThatThrownBy(() -> PeerRunner.script(missing, null, List.of()))
        .hasMessage("--peers: --peer-script " + missing + ": no such file");
    assertThatThrownBy(() -> PeerRunner.script(null, dir.toString(), List.of()))
        .hasMessage("--peers: $MEMFLUX_PEER_SCRIPT=" + dir + ": not a regular file");
  }

  private Path script(String body) throws IOException {
    Path script = Files.createTempFile(dir, "run_all", ".sh");
    Files.writeString(script, "set -e\n" + body);
    return script;
  }

  private static PrintStream quiet() {
    return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
  }
}
