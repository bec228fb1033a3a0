package dev.memflux.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.samples.data.SyntheticImages;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quickstart as a user runs it: its own {@code main} ({@link Quickstart}) in a JVM of
 * its own, without flags, on a small synthetic dataset in the working directory. It trains and
 * reports, and the JVM is gone within a second of {@code main} returning (no memflux or Reactor
 * thread keeps it alive). Its speed against the command line's is a benchmark, not a check here:
 * {@code memflux bench --only quickstart}.
 */
class QuickstartTest {

  private static final Pattern SAMPLES_PER_SECOND = Pattern.compile("([0-9.]+) samples/s");

  @TempDir Path dir;

  @Test
  void theReadmeQuickstartTrainsInItsOwnJvmWhichExitsWhenMainReturns() throws Exception {
    new SyntheticImages(1).writeNpy(2000, dir.resolve("train_x.npy"), dir.resolve("train_y.npy"));
    new SyntheticImages(2).writeNpy(500, dir.resolve("test_x.npy"), dir.resolve("test_y.npy"));
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Quickstart.class.getName())
            .directory(dir.toFile())
            .redirectErrorStream(true);
    // DJL must not reach the network: the environment a user would set for that, no JVM flag.
    builder.environment().put("DJL_OFFLINE", "true");
    builder.environment().put("OPT_OUT_TRACKING", "true");
    Process child = builder.start();
    List<String> lines = new CopyOnWriteArrayList<>();
    AtomicLong returnedAt = new AtomicLong();
    Thread reader = new Thread(() -> readLines(child, lines, returnedAt), "quickstart-output");
    reader.start();

    boolean exited = child.waitFor(300, TimeUnit.SECONDS);
    long exitedAt = System.nanoTime();
    if (!exited) {
      child.destroyForcibly();
    }
    reader.join(10_000);
    String output = String.join("\n", lines);
    assertThat(exited).as("the quickstart ended within 300 s:%n%s", output).isTrue();
    assertThat(child.exitValue()).as(output).isZero();
    assertThat(lines).as(output).contains(Quickstart.RETURNED);
    double gone = (exitedAt - returnedAt.get()) / 1e9;
    assertThat(gone).as("seconds from main returning to the JVM gone").isLessThan(1.0);

    assertThat(output).contains("epoch 4:", "data wait", "first batch after");
    List<Double> rates =
        lines.stream()
            .filter(l -> l.startsWith("epoch "))
            .map(SAMPLES_PER_SECOND::matcher)
            .filter(Matcher::find)
            .map(m -> Double.parseDouble(m.group(1)))
            .toList();
    assertThat(rates).hasSize(5).allSatisfy(r -> assertThat(r).isPositive());
    System.out.printf(
        "quickstart in its own JVM: %.0f samples/s in the last epoch, gone %.0f ms after main%n",
        rates.get(rates.size() - 1), gone * 1000);
  }

  private static void readLines(Process child, List<String> lines, AtomicLong returnedAt) {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.equals(Quickstart.RETURNED)) {
          returnedAt.set(System.nanoTime());
        }
        lines.add(line);
      }
    } catch (IOException e) {
      lines.add("reading the child's output failed: " + e);
    }
  }
}
