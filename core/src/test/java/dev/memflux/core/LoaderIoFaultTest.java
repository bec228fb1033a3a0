package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.testing.Leaks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * Faults only the file modes meet: the array closed, or its file replaced, while the loader reads
 * it from the file. The faults every mode meets (cancels, subscriber errors, truncation mid-read,
 * refused work) are {@link LoaderFaultTest}'s, run in each mode by its subclasses.
 */
class LoaderIoFaultTest extends LoaderFixture {

  static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void closingAnArrayMidStreamEndsTheReadsWithAnErrorNamingIt() {
    Loader loader =
        Loader.builder(x, y).io(IoMode.DIRECT).batchSize(4).shuffle(Shuffle.random(1)).build();
    StepVerifier.create(TestData.closingDiscards(loader.batches()), 2)
        .consumeNextWith(Batch::close)
        .consumeNextWith(Batch::close)
        .then(x::close)
        .thenRequest(Long.MAX_VALUE)
        .thenConsumeWhile(b -> true, Batch::close)
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(StageException.class)
                    .hasRootCauseInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(x.path() + " is closed"))
        .verify(WAIT);
    Leaks.assertReleased("closed", loader.bufferPool());
  }

  @Test
  void aFileReplacedSinceOpeningIsRefusedNotRead() throws IOException {
    Loader loader = Loader.builder(x, y).io(IoMode.BUFFERED).batchSize(4).build();
    Path copy = dir.resolve("copy.npy");
    Files.copy(x.path(), copy);
    Files.move(copy, x.path(), StandardCopyOption.REPLACE_EXISTING);
    StepVerifier.create(loader.batches())
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(x.path().toString())
                    .hasMessageContaining("was replaced since the array was opened"))
        .verify(WAIT);
    // the mapped path still reads the old file, which the array keeps open
    assertThat(TestData.ids(Loader.builder(x, y).io(IoMode.MAPPED).build())).hasSize(ROWS);
    Leaks.assertNoNewMemfluxThreads(threadsBefore, "loader");
  }
}
