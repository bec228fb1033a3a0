package dev.memflux.core.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;

/**
 * Named pipes for the tests of issue 16.6: opening one for reading blocks until a writer comes, so
 * code that opens it without checking hangs. {@link #within} runs such code on a daemon thread and
 * fails instead of hanging the build.
 */
public final class Fifo {

  private Fifo() {}

  /** Makes a FIFO at {@code file} with {@code mkfifo}; skips the test where that is missing. */
  public static Path make(Path file) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder("mkfifo", file.toString()).redirectErrorStream(true).start();
    } catch (IOException e) {
      Assumptions.abort("FIFO test skipped: cannot run mkfifo: " + e.getMessage());
      throw new AssertionError("unreachable");
    }
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("mkfifo did not finish within 30 s");
    }
    Assumptions.assumeTrue(
        p.exitValue() == 0 && Files.exists(file), "FIFO test skipped: mkfifo failed here");
    return file;
  }

  /** {@code task}'s result, or a failure naming {@code what} when it takes longer than 30 s. */
  public static <T> T within(String what, Callable<T> task) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread thread =
        new Thread(
            () -> {
              try {
                result.complete(task.call());
              } catch (Throwable t) {
                result.completeExceptionally(t);
              }
            },
            "fifo-test");
    thread.setDaemon(true); // left blocked on the FIFO if the code under test hangs
    thread.start();
    try {
      return result.get(Duration.ofSeconds(30).toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      return fail(what + " hung on a FIFO for 30 s");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }
}
