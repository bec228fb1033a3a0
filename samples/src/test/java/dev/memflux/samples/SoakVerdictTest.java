package dev.memflux.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** How the soak's verdict tells a leak from warm-up and noise, on made-up samples. */
class SoakVerdictTest {

  private static final long MIB = 1 << 20;

  /** One sample a second for {@code seconds}, 100 batches each, from {@code sample}. */
  private static List<SoakSample> run(int seconds, IntFunction<SoakSample> sample) {
    List<SoakSample> samples = new ArrayList<>();
    for (int t = 0; t <= seconds; t++) {
      samples.add(sample.apply(t));
    }
    return samples;
  }

  private static SoakSample flat(int t) {
    return sample(t, 100 * MIB, 0, 300 * MIB, 12, 0);
  }

  private static SoakSample sample(
      int t, long heap, long direct, long rss, int threads, long unclosed) {
    return new SoakSample(t, t, 100L * t, heap, direct, rss, threads, 0, unclosed);
  }

  private static String print(SoakVerdict verdict, int expectedStatus) {
    StringWriter out = new StringWriter();
    assertThat(verdict.print(new PrintWriter(out))).as(out.toString()).isEqualTo(expectedStatus);
    return out.toString();
  }

  @Test
  void flatFiguresPass() {
    String out = print(SoakVerdict.judge(run(90, SoakVerdictTest::flat)), 0);
    assertThat(out)
        .contains("verdict: PASS (no figure grew beyond its noise floor)")
        .containsPattern("heap +2 s +100.0 MiB +100.0 MiB +\\+0.0 MiB .* ok")
        .contains("unclosed  0 pooled buffers left unclosed by the rounds");
  }

  @Test
  void aFigureGrowingWithTheBatchesBeyondItsFloorFailsNamingIt() {
    // direct memory grows 1 MiB a second (per 100 batches) from the start; judged from 2 s to 20 s,
    // the thirds' medians are at 4.5 s and 17.5 s
    String out =
        print(SoakVerdict.judge(run(20, t -> sample(t, 100 * MIB, t * MIB, 300 * MIB, 12, 0))), 1);
    assertThat(out)
        .containsPattern("direct +2 s +4.5 MiB +17.5 MiB +\\+13.0 MiB +\\+10.0 MiB .* LEAK")
        .contains("verdict: FAIL (direct grew 13.0 MiB over 1300 batches, above its noise floor")
        .doesNotContain("heap grew");
  }

  @Test
  void growthDuringAFiguresWarmUpIsNotALeak() {
    // RSS climbs 150 MiB over the first 50 s, as a loaded JVM's does, then stays; the heap
    // settles after one second
    String out =
        print(
            SoakVerdict.judge(
                run(
                    120,
                    t ->
                        sample(
                            t,
                            t < 1 ? 90 * MIB : 100 * MIB,
                            0,
                            (150 + 3 * Math.min(t, 50)) * MIB,
                            12,
                            0))),
            0);
    assertThat(out).contains("verdict: PASS").containsPattern("rss .*\\+0.0 MiB .* ok");
  }

  @Test
  void oneSampleOutOfLineInEachThirdIsNoTrend() {
    // a transient 40 MiB of RSS and two threads more at single samples
    String out =
        print(
            SoakVerdict.judge(
                run(
                    90,
                    t ->
                        sample(
                            t,
                            100 * MIB,
                            0,
                            (t % 20 == 7 ? 340 : 300) * MIB,
                            t % 20 == 11 ? 14 : 12,
                            0))),
            0);
    assertThat(out).contains("verdict: PASS");
  }

  @Test
  void growthWithinTheNoiseFloorPasses() {
    // one thread more and 1.5 MiB of heap more over the run: below the floors of 1 thread, 2 MiB
    String out =
        print(
            SoakVerdict.judge(
                run(
                    20,
                    t ->
                        sample(
                            t,
                            (100 * MIB) + (t > 10 ? 3 * MIB / 2 : 0),
                            0,
                            300 * MIB,
                            t > 10 ? 13 : 12,
                            0))),
            0);
    assertThat(out).contains("verdict: PASS");
  }

  @Test
  void residentMemoryGrowingAfterItsWarmUpFailsNamingIt() {
    // a native leak of 1 MiB a second: judged from 60 s to 120 s, the thirds' medians 41 s apart
    String out =
        print(SoakVerdict.judge(run(120, t -> sample(t, 100 * MIB, 0, (300 + t) * MIB, 12, 0))), 1);
    assertThat(out)
        .containsPattern("rss +60 s +369.5 MiB +410.5 MiB +\\+41.0 MiB .* LEAK")
        .contains(
            "verdict: FAIL (rss grew 41.0 MiB over 4100 batches, above its noise floor of 32.0"
                + " MiB)");
  }

  @Test
  void threadsGrowingFailNamingThem() {
    String out =
        print(SoakVerdict.judge(run(20, t -> sample(t, 100 * MIB, 0, 300 * MIB, 12 + t, 0))), 1);
    assertThat(out).contains("verdict: FAIL (threads grew 13 over 1300 batches");
  }

  @Test
  void aBufferLeftUnclosedFailsEvenDuringWarmUp() {
    String out =
        print(
            SoakVerdict.judge(run(20, t -> sample(t, 100 * MIB, 0, 300 * MIB, 12, t == 0 ? 0 : 3))),
            1);
    assertThat(out)
        .contains("unclosed  3 pooled buffers left unclosed by the rounds  LEAK")
        .contains(
            "verdict: FAIL (3 pooled buffers left unclosed: a stage drops batches without closing"
                + " them)");
  }

  @Test
  void aRunShorterThanAFiguresWarmUpSaysItWasNotJudged() {
    String out = print(SoakVerdict.judge(run(12, SoakVerdictTest::flat)), 0);
    assertThat(out)
        .contains("rss       not judged: 0 samples after its 60 s warm-up, 9 needed; run longer")
        .contains(
            "verdict: PASS (no figure grew beyond its noise floor; not judged, the run being"
                + " shorter than their warm-up: rss)");
  }

  @Test
  void tooFewSamplesForAnyFigureFail() {
    List<SoakSample> three = run(2, SoakVerdictTest::flat);
    assertThat(SoakVerdict.enough(three)).isFalse();
    String out = print(SoakVerdict.judge(three), 1);
    assertThat(out)
        .contains(
            "verdict: FAIL (too few samples after warm-up: 3; run longer or sample more often)");
  }
}
