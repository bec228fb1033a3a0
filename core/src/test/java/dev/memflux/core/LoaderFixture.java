package dev.memflux.core;

import dev.memflux.core.testing.Leaks;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loader fault tests' data: {@link #ROWS} feature rows of {@link #WIDTH} and their labels,
 * opened fresh for every test, and the {@code memflux-*} threads alive before it.
 */
abstract class LoaderFixture {

  static final int ROWS = 500;
  static final int WIDTH = 4;

  @TempDir Path dir;
  NpyArray x;
  NpyArray y;
  Set<Long> threadsBefore;

  @BeforeEach
  void open() throws IOException {
    x = TestData.features(dir, ROWS, WIDTH);
    y = TestData.labels(dir, ROWS);
    threadsBefore = Leaks.memfluxThreads();
  }

  @AfterEach
  void close() {
    x.close();
    y.close();
  }
}
