package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A JVM running a test class's {@code main} on this test's class path, for crash tests. */
final class ChildJvm {

  private final Process process;
  private final Path output;

  private ChildJvm(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  /** Starts {@code main(args)} of {@code mainClass}; its stdout and stderr go to {@code output}. */
  static ChildJvm start(Path output, Class<?> mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx128m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    return new ChildJvm(process, output);
  }

  /** Waits until the child has printed {@code line}; fails if it exits first or takes too long. */
  void awaitLine(String line, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!Files.readAllLines(output).contains(line)) {
      if (!process.isAlive()) {
        process.waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError(
            "child exited with " + process.exitValue() + ": " + Files.readString(output));
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("child did not print '" + line + "' within " + timeout);
      }
      Thread.sleep(5);
    }
  }

  /** Kills the child with SIGKILL and waits for it to be gone. */
  void kill() throws Exception {
    process.destroyForcibly();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("child gone after kill -9").isTrue();
  }

  /** What the child printed; call once it has exited. */
  String output() throws IOException {
    return Files.readString(output);
  }
}
