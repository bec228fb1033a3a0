package dev.memflux.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A short run of {@code memflux soak}, which must pass: the one thing a soak exists to catch is a
 * figure that grows, and a FAIL here is that (a pipeline leaking buffers, threads or native
 * memory), not noise, since growth under 8 MiB or one thread is below the verdict's floor.
 */
class SoakCommandSoakTest {

  @Test
  void aShortSoakPassesWithTheTableAndTheGrowthOfEachFigure() {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));

    int status = cl.execute("soak", "--seconds", "6", "--interval-ms", "500");

    String text = out.toString();
    assertThat(err.toString()).doesNotContain("internal error");
    assertThat(text).contains("time_s", "heap_MB", "direct_MB", "rss_MB", "threads", "epochs");
    long rows = text.lines().filter(l -> l.matches("\\s+\\d+\\.\\d\\s+.*")).count();
    assertThat(rows).as("sample rows in:%n%s", text).isGreaterThanOrEqualTo(3);
    assertThat(text)
        .containsPattern(
            "growth after warm-up \\(first 20%\\): heap [+-]\\d+\\.\\d% direct [+-]\\d+\\.\\d%"
                + " rss [+-]\\d+\\.\\d% threads [+-]\\d+\\.\\d%");
    assertThat(text).as("the soak's output:%n%s", text).contains("verdict: PASS");
    assertThat(status).as("the soak's output:%n%s", text).isZero();
    // the last row has trained: epochs and batches went up
    String last =
        text.lines()
            .filter(l -> l.matches("\\s+\\d+\\.\\d\\s+.*"))
            .reduce((a, b) -> b)
            .orElseThrow();
    assertThat(Long.parseLong(last.trim().split("\\s+")[5])).isPositive();
  }

  @Test
  void theVerdictFailsWhenAFigureGrowsMoreThanFivePercent() {
    StringWriter out = new StringWriter();
    List<SoakCommand.Sample> growing = new java.util.ArrayList<>();
    long mib = 1 << 20;
    for (int i = 0; i < 20; i++) {
      // RSS grows 1 MiB (1%) per sample after warm-up; the rest is flat
      long rss = 100 * mib + (i < 4 ? 0 : (i - 4) * mib);
      growing.add(new SoakCommand.Sample(i, 100 * mib, 10 * mib, rss, 12, i, i));
    }
    assertThat(SoakCommand.verdict(growing, new PrintWriter(out))).isEqualTo(1);
    assertThat(out.toString()).contains("rss +", "verdict: FAIL").contains("heap +0.0%");

    StringWriter flatOut = new StringWriter();
    List<SoakCommand.Sample> flat =
        growing.stream()
            .map(s -> new SoakCommand.Sample(s.seconds(), 100 * mib, 10 * mib, 100 * mib, 12, 0, 0))
            .toList();
    assertThat(SoakCommand.verdict(flat, new PrintWriter(flatOut))).isZero();
    assertThat(flatOut.toString()).contains("verdict: PASS");

    // +100% of a 1 MiB idle pool is one buffer, not a leak: below the noise floor
    StringWriter smallOut = new StringWriter();
    List<SoakCommand.Sample> small =
        growing.stream()
            .map(
                s ->
                    new SoakCommand.Sample(
                        s.seconds(),
                        100 * mib,
                        s.seconds() < 10 ? mib : 2 * mib,
                        100 * mib,
                        12,
                        0,
                        0))
            .toList();
    assertThat(SoakCommand.verdict(small, new PrintWriter(smallOut))).isZero();
    assertThat(smallOut.toString()).contains("direct +", "verdict: PASS");
  }
}
