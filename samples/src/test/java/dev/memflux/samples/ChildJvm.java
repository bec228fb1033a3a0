package dev.memflux.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A JVM running a class's {@code main} on this test's class path, its stdout and stderr in a file.
 * The child is always waited for with a timeout before its output is read, so a hung child fails
 * the test instead of hanging the build.
 */
public final class ChildJvm {

  private final Process process;
  private final Path output;

  private ChildJvm(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  /**
   * Starts {@code main(args)} of {@code mainClass} with {@code jvmOptions}; without DJL's offline
   * properties, which the child sets itself when it is {@link Main} (the tests of that need them
   * unset).
   */
  public static ChildJvm start(
      Path output, List<String> jvmOptions, Class<?> mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.addAll(jvmOptions);
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

  /** Waits for the child to exit and returns its status; fails after {@code seconds}. */
  public int exitStatus(int seconds) throws Exception {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(
          "the child JVM did not end within " + seconds + " s; its output:\n" + output());
    }
    return process.exitValue();
  }

  /** Whether the child is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Kills the child with SIGKILL and waits for it to be gone. */
  public void kill() throws Exception {
    process.destroyForcibly();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("child gone after kill -9").isTrue();
  }

  /** What the child printed; read it once the child has exited. */
  public String output() throws IOException {
    return Files.readString(output);
  }
}
