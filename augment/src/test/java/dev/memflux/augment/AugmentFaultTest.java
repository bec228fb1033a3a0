package dev.memflux.augment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.Batch;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyAccessException;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import dev.memflux.core.StageException;
import dev.memflux.core.testing.Leaks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Faults injected in the augmentation stage (an op throwing on a chosen sample, data that does not
 * fit the ops, a file truncated under the loader) and cancellations at random points: the error
 * names the stage and the cause, and both pools and all memflux threads are released.
 */
class AugmentFaultTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  static final int ROWS = 300;

  @TempDir Path dir;
  NpyArray x;
  NpyArray y;
  Set<Long> threadsBefore;

  @BeforeEach
  void open() throws IOException {
    x = Fixtures.uint8Images(dir, "x.npy", ROWS, 1, 4, 4);
    y = Fixtures.labels(dir, ROWS);
    threadsBefore = Leaks.memfluxThreads();
  }

  @AfterEach
  void close() {
    x.close();
    y.close();
  }

  /** Throws on one sample id, every epoch. */
  record FailOn(long id) implements SampleOp {
    @Override
    public void apply(FloatSample sample, java.util.SplittableRandom random) {
      if (sample.id() == id) {
        throw new IllegalStateException("injected failure on sample " + id);
      }
    }

    @Override
    public String toString() {
      return "failOn(" + id + ")";
    }
  }

  @Test
  void opThrowingOnAChosenSampleAtRandomPointsFailsOrSkipsAndReleasesEverything() {
    SplittableRandom random = new SplittableRandom(0xA06_0001L);
    int trials = 300;
    int failures = 0;
    for (int trial = 0; trial < trials; trial++) {
      long failId = random.nextLong(ROWS);
      ErrorPolicy policy = random.nextInt(3) == 0 ? ErrorPolicy.SKIP : ErrorPolicy.FAIL;
      Loader loader =
          Loader.builder(x, y)
              .batchSize(1 + random.nextInt(8))
              .shuffle(Shuffle.random(random.nextLong()))
              .epochs(1 + random.nextInt(2))
              .prefetch(1 + random.nextInt(3))
              .gatherThreads(1 + random.nextInt(2))
              .build();
      Augment base = Augment.images(ImageLayout.CHW).seed(trial).parallelism(1 + random.nextInt(3));
      Augment augment =
          switch (random.nextInt(3)) {
            case 0 -> base.toFloat(1 / 255f).map(new FailOn(failId)).horizontalFlip(0.5);
            case 1 -> base.horizontalFlip(0.5).map(new FailOn(failId)).rotate(10);
            default ->
                base.map(new FailOn(failId))
                    .toFloat(1f)
                    .normalize(new float[] {0.5f}, new float[] {0.25f});
          };
      augment = augment.onError(policy);
      // cancel at a random point, or run to the end
      long take = random.nextInt(4) == 0 ? Long.MAX_VALUE : 1 + random.nextLong(60);
      AtomicReference<Throwable> error = new AtomicReference<>();
      List<Long> seen = new ArrayList<>();
      loader
          .batches()
          .transform(augment)
          .take(take)
          .doOnNext(
              b -> {
                try (b) {
                  for (long id : b.indices()) {
                    seen.add(id);
                  }
                }
              })
          .doOnDiscard(Batch.class, Batch::close)
          .onErrorResume(
              e -> {
                error.set(e);
                return Mono.empty();
              })
          .blockLast(WAIT);
      String what = "trial " + trial + " " + policy + " fail on " + failId;
      if (error.get() != null) {
        failures++;
        assertThat(policy).as(what).isEqualTo(ErrorPolicy.FAIL);
        assertThat(error.get())
            .as(what)
            .isInstanceOf(AugmentException.class)
            .hasMessageContaining("augment stage failed on op map(failOn(" + failId + "))")
            .hasMessageContaining("sample " + failId)
            .hasRootCauseMessage("injected failure on sample " + failId);
        assertThat(((AugmentException) error.get()).sampleId()).isEqualTo(failId);
      }
      assertThat(seen).as(what).doesNotContain(failId);
      Leaks.assertReleased(what, loader.bufferPool(), augment.bufferPool());
      Leaks.assertNoNewMemfluxThreads(threadsBefore, "augment");
    }
    assertThat(failures).as("trials that ended with the injected error").isGreaterThan(50);
  }

  @Test
  void dataThatDoesNotFitTheOpsIsRejectedAtTheFirstBatchNamingTheField() throws IOException {
    NpyArray flat = Fixtures.uint8Images(dir, "flat.npy", 40, 16);
    NpyArray rgb = Fixtures.uint8Images(dir, "rgb.npy", 40, 3, 4, 4);
    try {
      record Case(String name, Flux<Batch> batches, Augment augment, String message) {}
      Loader flatLoader = Loader.builder(flat).batchSize(4).build();
      Loader rgbLoader = Loader.builder(rgb).batchSize(4).build();
      Loader xLoader = Loader.builder(x, y).batchSize(4).build();
      List<Case> cases =
          List.of(
              new Case(
                  "rank 1 rows for CHW",
                  flatLoader.batches(),
                  Augment.images(ImageLayout.CHW).horizontalFlip(1),
                  "field 0 of shape"),
              new Case(
                  "normalize channels",
                  rgbLoader.batches(),
                  Augment.images(ImageLayout.CHW)
                      .toFloat(1f)
                      .normalize(new float[] {0.5f}, new float[] {0.5f}),
                  "field 0"),
              new Case(
                  "crop larger than image",
                  xLoader.batches(),
                  Augment.images(ImageLayout.CHW).randomCrop(9, 0),
                  "9"),
              new Case(
                  "labels as an image",
                  xLoader.batches(),
                  Augment.images(ImageLayout.CHW).fields(1).horizontalFlip(1),
                  "field 1"));
      for (Case c : cases) {
        AtomicReference<Throwable> error = new AtomicReference<>();
        AtomicLong delivered = new AtomicLong();
        c.batches()
            .transform(c.augment())
            .doOnNext(
                b -> {
                  b.close();
                  delivered.incrementAndGet();
                })
            .doOnDiscard(Batch.class, Batch::close)
            .onErrorResume(
                e -> {
                  error.set(e);
                  return Mono.empty();
                })
            .blockLast(WAIT);
        assertThat(delivered.get()).as(c.name()).isZero();
        assertThat(error.get())
            .as(c.name())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(c.message());
        Leaks.assertReleased(
            c.name(),
            flatLoader.bufferPool(),
            rgbLoader.bufferPool(),
            xLoader.bufferPool(),
            c.augment().bufferPool());
      }
      Leaks.assertNoNewMemfluxThreads(threadsBefore, "augment");
    } finally {
      flat.close();
      rgb.close();
    }
  }

  @Test
  void fileTruncatedUnderAnAugmentedShuffledPipelineEndsWithAnErrorNamingIt() throws IOException {
    Path sub = Files.createDirectories(dir.resolve("t"));
    NpyArray tx = Fixtures.uint8Images(sub, "big.npy", 3000, 1, 16, 16);
    try {
      Loader loader =
          Loader.builder(tx)
              .batchSize(8)
              .shuffle(Shuffle.random(9))
              .gatherThreads(2)
              .prefetch(3)
              .epochs(3)
              .build();
      Augment augment =
          Augment.images(ImageLayout.CHW)
              .toFloat(1 / 255f)
              .horizontalFlip(0.5)
              .rotate(5)
              .seed(1)
              .parallelism(2);
      AtomicLong seen = new AtomicLong();
      AtomicReference<Throwable> error = new AtomicReference<>();
      loader
          .batches()
          .transform(augment)
          .doOnNext(
              b -> {
                try (b) {
                  if (seen.incrementAndGet() == 4) {
                    try (FileChannel ch = FileChannel.open(tx.path(), StandardOpenOption.WRITE)) {
                      ch.truncate(128);
                    } catch (IOException e) {
                      throw new UncheckedIOException(e);
                    }
                  }
                }
              })
          .doOnDiscard(Batch.class, Batch::close)
          .onErrorResume(
              e -> {
                error.set(e);
                return Mono.empty();
              })
          .blockLast(WAIT);
      assertThat(error.get())
          .isInstanceOf(StageException.class)
          .hasMessageContaining("gather stage failed")
          .hasCauseInstanceOf(NpyAccessException.class)
          .hasMessageContaining(tx.path().toString());
      Leaks.assertReleased("truncated", loader.bufferPool(), augment.bufferPool());
      Leaks.assertNoNewMemfluxThreads(threadsBefore, "augment");
    } finally {
      tx.close();
    }
  }
}
