package dev.memflux.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A JVM running a class's {@code main} on this test's class path, its stdout and stderr in a file:
 * for crash tests (kill it at a random moment, then check what it left), for memory figures of a
 * process of its own, and for code that must start in a fresh JVM. Its output is read only once it
 * has printed what was awaited or has exited, and every wait has a timeout, so a hung child fails
 * the test instead of hanging the build.
 *
 * <pre>{@code
 * ChildJvm child = ChildJvm.start(dir.resolve("child.log"), Writer.class, out.toString());
 * child.awaitLine("committed 1", Duration.ofSeconds(60));
 * child.kill();                                       // SIGKILL, mid-write
 * }</pre>
 */
public final class ChildJvm {

  /**
   * The JVM options of {@link #start(Path, Class, String...)}: a heap of 256 MiB, and DJL kept off
   * the network, as every JVM that can load DJL must be.
   */
  public static final List<String> DEFAULT_OPTIONS =
      List.of("-Xmx256m", "-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true");

  private final Process process;
  private final Path output;

  private ChildJvm(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  /** Starts {@code main(args)} of {@code mainClass} with {@link #DEFAULT_OPTIONS}. */
  public static ChildJvm start(Path output, Class<?> mainClass, String... args) throws IOException {
    return start(output, DEFAULT_OPTIONS, mainClass, args);
  }

  /**
   * Starts {@code main(args)} of {@code mainClass} with exactly {@code jvmOptions}; its stdout and
   * stderr go to {@code output}. {@code OPT_OUT_TRACKING=true} is always in its environment.
   */
  public static ChildJvm start(
      Path output, List<String> jvmOptions, Class<?> mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().put("OPT_OUT_TRACKING", "true");
    return new ChildJvm(builder.start(), output);
  }

  /**
   * Waits for the child to exit and returns its status; after {@code timeout} kills it and fails
   * with what it printed.
   */
  public int exitStatus(Duration timeout) throws IOException, InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(
          "the child JVM did not end within " + timeout + "; its output:\n" + output());
    }
    return process.exitValue();
  }

  /** Waits until the child has printed {@code line}; fails if it exits first or takes too long. */
  public void awaitLine(String line, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!Files.readAllLines(output).contains(line)) {
      if (!process.isAlive()) {
        process.waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError(
            "child exited with "
                + process.exitValue()
                + " before printing '"
                + line
                + "': "
                + output());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("child did not print '" + line + "' within " + timeout);
      }
      Thread.sleep(5);
    }
  }

  /** Whether the child is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Kills the child with SIGKILL and waits for it to be gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("child gone after kill -9").isTrue();
  }

  /** What the child printed so far. */
  public String output() throws IOException {
    return Files.readString(output);
  }

  /** The lines the child printed so far. */
  public List<String> lines() throws IOException {
    return Files.readAllLines(output);
  }
}
