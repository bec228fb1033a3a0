package dev.memflux.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.Batch;
import dev.memflux.core.testing.ChildJvm;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Short runs of {@code memflux soak}, each in a JVM of its own so that nothing else counts in its
 * figures: a healthy pipeline passes, and the same soak with a leak injected through its test hook
 * fails naming the figure that grew. The healthy 6 s soak judges heap, direct memory, threads,
 * NDArrays and unclosed buffers, but not resident memory, which needs a minute to settle; it passed
 * 40 times out of 40 on the 2-core machine at a load average of 5 to 19.
 */
class SoakCommandSoakTest {

  private static final Duration LIMIT = Duration.ofMinutes(3);

  @TempDir Path dir;

  /** Runs the soak with a leak injected: {@code args[0]} names it, the rest are soak options. */
  static final class LeakySoak {
    /** Direct memory kept for good after every round. */
    static final int DIRECT_PER_ROUND = 4 << 20;

    public static void main(String[] args) {
      CommandLine commandLine = Main.commandLine();
      SoakCommand soak = commandLine.getSubcommands().get("soak").getCommand();
      soak.hook =
          switch (args[0]) {
            case "direct" -> retainDirectMemory();
            case "unclosed" -> dropBatchesUnclosed();
            default -> throw new IllegalArgumentException("no such leak: " + args[0]);
          };
      List<String> options = new ArrayList<>(List.of(args).subList(1, args.length));
      options.add(0, "soak");
      System.exit(commandLine.execute(options.toArray(String[]::new)));
    }

    @SuppressWarnings("ModifiedButNotUsed") // kept only to be kept: the leak this soak must find
    private static SoakCommand.RoundHook retainDirectMemory() {
      List<ByteBuffer> kept = new ArrayList<>();
      return new SoakCommand.RoundHook() {
        @Override
        public void roundEnded() {
          kept.add(ByteBuffer.allocateDirect(DIRECT_PER_ROUND));
        }
      };
    }

    /** Every fourth batch is dropped where no discard hook reaches: never closed. */
    private static SoakCommand.RoundHook dropBatchesUnclosed() {
      return new SoakCommand.RoundHook() {
        @Override
        public Flux<Batch> batches(Flux<Batch> batches) {
          return batches.concatMap(b -> b.sequence() % 4 == 3 ? Mono.empty() : Mono.just(b));
        }
      };
    }
  }

  private String soak(String name, Class<?> main, String... args) throws Exception {
    ChildJvm child = ChildJvm.start(dir.resolve(name + ".log"), main, args);
    int status = child.exitStatus(LIMIT);
    String out = child.output();
    assertThat(out).as(out).doesNotContain("internal error", "Exception");
    assertThat(status)
        .as("exit status of:%n%s", out)
        .isEqualTo(out.contains("verdict: PASS") ? 0 : 1);
    return out;
  }

  @Test
  void aHealthyShortSoakPassesJudgingEveryFigureButRss() throws Exception {
    String out = soak("healthy", Main.class, "soak", "--seconds", "6", "--interval-ms", "300");

    assertThat(out)
        .contains("time_s", "heap_MB", "direct_MB", "rss_MB", "threads", "ndarrays", "unclosed");
    List<String> rows = out.lines().filter(l -> l.matches("\\s+\\d+\\.\\d\\s+\\d+\\s+.*")).toList();
    assertThat(rows).as(out).hasSizeGreaterThanOrEqualTo(10);
    // the last row has trained: epochs and batches went up
    String[] last = rows.get(rows.size() - 1).trim().split("\\s+", -1);
    assertThat(Long.parseLong(last[1])).as(out).isPositive();
    for (String figure : List.of("heap", "direct", "threads", "ndarrays")) {
      assertThat(out).as(out).containsPattern("(?m)^" + figure + " .* ok$");
    }
    assertThat(out).as(out).containsPattern("(?m)^rss +not judged: .* warm-up");
    assertThat(out).as(out).contains("unclosed  0 pooled buffers left unclosed by the rounds");
    assertThat(out).as(out).contains("verdict: PASS");
  }

  @Test
  void directMemoryKeptEveryRoundFailsNamingDirect() throws Exception {
    String out =
        soak("direct", LeakySoak.class, "direct", "--seconds", "5", "--interval-ms", "300");

    assertThat(out).as(out).containsPattern("(?m)^direct .* LEAK$");
    assertThat(out).as(out).contains("verdict: FAIL (direct grew ");
  }

  @Test
  void batchesDroppedUnclosedFailNamingTheUnclosedBuffers() throws Exception {
    String out =
        soak("unclosed", LeakySoak.class, "unclosed", "--seconds", "5", "--interval-ms", "300");

    assertThat(out).as(out).containsPattern("(?m)^unclosed +[1-9]\\d* pooled buffers .* LEAK$");
    assertThat(out)
        .as(out)
        .containsPattern(
            "verdict: FAIL \\([1-9]\\d* pooled buffers left unclosed: a stage drops batches"
                + " without closing them\\)");
  }
}
