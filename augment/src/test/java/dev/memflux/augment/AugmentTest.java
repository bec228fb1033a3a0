package dev.memflux.augment;

import static dev.memflux.augment.Fixtures.collect;
import static dev.memflux.augment.Fixtures.fingerprint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memflux.augment.Fixtures.Snapshot;
import dev.memflux.core.Batch;
import dev.memflux.core.DType;
import dev.memflux.core.Loader;
import dev.memflux.core.LoaderState;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import dev.memflux.core.testing.Leaks;
import dev.memflux.core.tune.Knob;
import dev.memflux.core.tune.KnobTurner;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class AugmentTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final int ROWS = 44;

  @TempDir Path dir;
  private NpyArray images;
  private NpyArray labels;

  @BeforeEach
  void writeData() throws IOException {
    images = Fixtures.uint8Images(dir, "images.npy", ROWS, 1, 8, 8);
    labels = Fixtures.labels(dir, ROWS);
  }

  @AfterEach
  void close() {
    images.close();
    labels.close();
  }

  private Loader.Builder loader() {
    return Loader.builder(images, labels).batchSize(8).shuffle(Shuffle.none()).prefetch(2);
  }

  private static Augment heavy(int parallelism) {
    return heavy().parallelism(parallelism);
  }

  /** Every kind of op, parallelism left to a tuner. */
  private static Augment heavy() {
    return Augment.images(ImageLayout.CHW)
        .toFloat(1 / 255f)
        .horizontalFlip(0.5)
        .verticalFlip(0.3)
        .rotate(15)
        .randomCrop(8, 2, Padding.REFLECT)
        .gaussianNoise(0.05)
        .randomErasing(0.5, 0.02, 0.2)
        .brightness(0.2)
        .contrast(0.2)
        .normalize(new float[] {0.5f}, new float[] {0.25f})
        .seed(7);
  }

  @Test
  void batchesKeepTheirOrderAndLabelsPassThroughUntouched() {
    Loader loader = loader().shuffle(Shuffle.random(3)).epochs(2).build();
    Augment augment =
        Augment.images(ImageLayout.CHW).toFloat(1 / 255f).horizontalFlip(1).parallelism(2);

    List<Snapshot> out = collect(loader.batches().transform(augment));

    long perEpoch = loader.batchesPerEpoch();
    assertThat(out).hasSize((int) (2 * perEpoch));
    for (int b = 0; b < out.size(); b++) {
      Snapshot s = out.get(b);
      assertThat(s.epoch() * perEpoch + s.sequence()).isEqualTo(b);
      assertThat(s.types()).containsExactly(DType.FLOAT32, DType.INT64);
      assertThat(s.shapes().get(0)).containsExactly(s.indices().length, 1, 8, 8);
      ByteBuffer labelBytes =
          ByteBuffer.wrap(s.fields().get(1)).order(java.nio.ByteOrder.nativeOrder());
      float[] pixels = s.floats(0);
      for (int i = 0; i < s.indices().length; i++) {
        long id = s.indices()[i];
        assertThat(labelBytes.getLong(8 * i)).isEqualTo(id);
        for (int y = 0; y < 8; y++) {
          for (int x = 0; x < 8; x++) {
            assertThat(pixels[i * 64 + y * 8 + x])
                .isEqualTo(Fixtures.value(id, y * 8 + (7 - x)) * (1 / 255f));
          }
        }
      }
    }
    Leaks.assertReleased("augment", loader.bufferPool(), augment.bufferPool());
  }

  @Test
  void sameSeedGivesIdenticalBytesForParallelismOneTwoAndEight() {
    Loader loader = loader().shuffle(Shuffle.random(11)).epochs(2).build();

    List<String> one = fingerprint(collect(loader.batches().transform(heavy(1))));
    List<String> two = fingerprint(collect(loader.batches().transform(heavy(2))));
    List<String> eight = fingerprint(collect(loader.batches().transform(heavy(8))));

    assertThat(one).hasSize(12);
    assertThat(two).isEqualTo(one);
    assertThat(eight).isEqualTo(one);
  }

  @Test
  void unsetParallelismIsAKnobTurnedBetweenBatchesWithoutChangingABit() {
    Loader loader = loader().shuffle(Shuffle.random(11)).epochs(2).build();
    List<String> one = fingerprint(collect(loader.batches().transform(heavy(1))));
    Augment tuned = heavy();
    Knob threads = tuned.meter().knobs().get(0);
    int cpus = Runtime.getRuntime().availableProcessors();
    assertThat(threads.name()).isEqualTo("parallelism");
    assertThat(threads.isFixed()).isFalse();
    assertThat(List.of(threads.value(), threads.min(), threads.max()))
        .containsExactly(cpus, 1, cpus);
    assertThat(heavy(3).meter().knobs())
        .singleElement()
        .satisfies(k -> assertThat(List.of(k.isFixed(), k.value())).containsExactly(true, 3));

    AtomicInteger seen = new AtomicInteger();
    List<String> turned =
        fingerprint(
            collect(
                loader
                    .batches()
                    // each batch with another thread count, from one to all: as a tuner would
                    .doOnNext(b -> KnobTurner.turn(threads, 1 + seen.getAndIncrement() % cpus))
                    .transform(tuned)));

    assertThat(turned).isEqualTo(one);
    assertThat(tuned.meter().workers()).isEqualTo(threads.value());
  }

  @Test
  void differentEpochsAndSeedsDrawDifferently() {
    Loader loader = loader().epochs(2).build();

    List<Snapshot> out = collect(loader.batches().transform(heavy(2)));
    List<Snapshot> otherSeed = collect(loader.batches().transform(heavy(2).seed(8)));

    for (int b = 0; b < 6; b++) {
      assertThat(out.get(b + 6).indices()).isEqualTo(out.get(b).indices());
      assertThat(out.get(b + 6).fields().get(0)).isNotEqualTo(out.get(b).fields().get(0));
      assertThat(otherSeed.get(b).fields().get(0)).isNotEqualTo(out.get(b).fields().get(0));
    }
  }

  @Test
  void addingAnOpAtTheEndKeepsTheDrawsOfTheOthers() {
    Loader loader = loader().build();
    Augment base = Augment.images(ImageLayout.CHW).toFloat(1f).rotate(30).parallelism(2);

    List<Snapshot> plain = collect(loader.batches().transform(base));
    List<Snapshot> shifted =
        collect(
            loader
                .batches()
                .transform(
                    base.map(
                        (s, r) -> {
                          float[] v = s.array();
                          for (int i = 0; i < s.size(); i++) {
                            v[i] += 1000;
                          }
                        })));

    float[] a = plain.get(0).floats(0);
    float[] b = shifted.get(0).floats(0);
    for (int i = 0; i < a.length; i++) {
      assertThat(b[i]).isEqualTo(a[i] + 1000);
    }
  }

  @Test
  void aResumedLoaderGivesTheSameAugmentedBatches() {
    Loader loader = loader().shuffle(Shuffle.random(5)).epochs(2).build();
    AtomicReference<LoaderState> afterThird = new AtomicReference<>();

    List<String> full = fingerprint(collect(loader.batches().transform(heavy(2))));
    collect(loader.batches().take(3).doOnNext(b -> afterThird.set(b.state())).transform(heavy(1)));
    List<String> resumed =
        fingerprint(collect(loader.resumeFrom(afterThird.get()).batches().transform(heavy(8))));

    assertThat(resumed).isEqualTo(full.subList(3, full.size()));
  }

  /**
   * The README's StepVerifier idiom, verbatim but for the augmentation added: nothing is read
   * before it is requested, and the stage's look-ahead stays inside the demand.
   */
  @Test
  void theReadmeStepVerifierIdiomHoldsWithAugmentInThePipeline() {
    NpyArray x = images;
    NpyArray y = labels;
    Augment augment = heavy(2);
    // --- README, "Testing a pipeline with StepVerifier", with .transform(augment) ---
    Loader loader = Loader.builder(x, y).batchSize(10).prefetch(4).build();
    StepVerifier.create(loader.batches().transform(augment).doOnNext(Batch::close), 0)
        .expectSubscription()
        .expectNoEvent(Duration.ofMillis(100)) // nothing requested: nothing read
        .then(() -> assertThat(loader.gatherMeter().completed()).isZero())
        .thenRequest(3)
        .expectNextCount(3)
        .thenCancel()
        .verify(Duration.ofSeconds(5));
    assertThat(loader.bufferPool().outstanding()).isZero(); // every buffer went back
    // --- end of the README's idiom ---
    assertThat(augment.bufferPool().outstanding()).isZero();
    assertThat(loader.gatherMeter().completed()).as("gathered for 3 requested").isEqualTo(3);
    assertThat(augment.meter().completed()).as("augmented for 3 requested").isEqualTo(3);
  }

  @Test
  void anOpThatThrowsEndsTheFluxNamingTheOpTheSampleAndTheEpoch() {
    Loader loader = loader().epochs(2).build();
    Augment augment =
        Augment.images(ImageLayout.CHW)
            .toFloat(1f)
            .map(
                (s, r) -> {
                  if (s.id() == 13 || s.id() == 14) {
                    throw new IllegalStateException("bad sample " + s.id());
                  }
                })
            .parallelism(2);

    StepVerifier.create(loader.batches().transform(augment).doOnNext(Batch::close))
        .expectNextCount(1)
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(AugmentException.class)
                    .hasMessageContaining("map(")
                    .hasMessageContaining("sample 13")
                    .hasMessageContaining("epoch 0")
                    .hasCauseInstanceOf(IllegalStateException.class)
                    .extracting(x -> ((AugmentException) x).sampleId())
                    .isEqualTo(13L))
        .verify(TIMEOUT);

    Leaks.assertReleased("augment", loader.bufferPool(), augment.bufferPool());
  }

  @Test
  void theErrorNamesTheLowestFailingRowEvenWhenLaterRowsFailFirst() {
    Loader loader = Loader.builder(images, labels).batchSize(32).shuffle(Shuffle.none()).build();
    SampleOp slowThenFailing =
        (s, r) -> {
          if (s.id() == 5) {
            // Later rows fail on other workers in the meantime.
            LockSupport.parkNanos(Duration.ofMillis(30).toNanos());
          }
          if (s.id() == 5 || s.id() == 20 || s.id() == 30) {
            throw new IllegalStateException("bad sample " + s.id());
          }
        };
    for (int trial = 0; trial < 5; trial++) {
      Augment augment = Augment.images(ImageLayout.CHW).map(slowThenFailing).parallelism(4);
      StepVerifier.create(loader.batches().transform(augment).doOnNext(Batch::close))
          .expectErrorSatisfies(e -> assertThat(((AugmentException) e).sampleId()).isEqualTo(5L))
          .verify(TIMEOUT);
      Leaks.assertReleased("augment", augment.bufferPool());
    }
    Leaks.assertReleased("augment", loader.bufferPool());
  }

  @Test
  void skipPolicyDropsTheFailingSamplesTheSameWayForAnyParallelism() {
    Loader loader = loader().shuffle(Shuffle.random(2)).epochs(2).build();
    SampleOp failEveryFifth =
        (s, r) -> {
          if (s.id() % 5 == 0) {
            throw new IllegalArgumentException("id divisible by five");
          }
        };
    Augment one = heavy(1).map(failEveryFifth).onError(ErrorPolicy.SKIP);
    Augment eight = heavy(8).map(failEveryFifth).onError(ErrorPolicy.SKIP);

    List<Snapshot> a = collect(loader.batches().transform(one));
    List<Snapshot> b = collect(loader.batches().transform(eight));

    long expectedSkips = 2 * ((ROWS + 4) / 5);
    assertThat(one.skipped()).isEqualTo(expectedSkips);
    assertThat(eight.skipped()).isEqualTo(expectedSkips);
    assertThat(fingerprint(b)).isEqualTo(fingerprint(a));
    for (Snapshot s : a) {
      assertThat(java.util.Arrays.stream(s.indices()).filter(id -> id % 5 == 0)).isEmpty();
      ByteBuffer labelBytes =
          ByteBuffer.wrap(s.fields().get(1)).order(java.nio.ByteOrder.nativeOrder());
      for (int i = 0; i < s.indices().length; i++) {
        assertThat(labelBytes.getLong(8 * i)).isEqualTo(s.indices()[i]);
      }
      assertThat(s.shapes().get(0)[0]).isEqualTo(s.indices().length);
    }
    Leaks.assertReleased("augment", loader.bufferPool(), one.bufferPool());
  }

  @Test
  void aBatchWhoseEverySampleFailsIsDroppedUnderSkip() {
    Loader loader = loader().build();
    Augment augment =
        Augment.images(ImageLayout.CHW)
            .map(
                (s, r) -> {
                  if (s.id() < 8) {
                    throw new IllegalStateException("first batch is bad");
                  }
                })
            .onError(ErrorPolicy.SKIP)
            .parallelism(2);

    List<Snapshot> out = collect(loader.batches().transform(augment));

    assertThat(out).hasSize((int) loader.batchesPerEpoch() - 1); // all but the first
    assertThat(out.get(0).sequence()).isEqualTo(1);
    assertThat(augment.skipped()).isEqualTo(8);
    Leaks.assertReleased("augment", loader.bufferPool());
  }

  @Test
  void dataDependentConfigurationErrorsNameTheFieldAndItsShape() {
    Loader loader = loader().build();
    assertRejected(
        loader,
        Augment.images(ImageLayout.CHW).normalize(new float[] {0, 0, 0}, new float[] {1, 1, 1}),
        "field 0 of shape [8, 1, 8, 8]");
    assertRejected(loader, Augment.images(ImageLayout.HWC).horizontalFlip(1), "is it CHW?");
    assertRejected(
        loader, Augment.images(ImageLayout.CHW).randomCrop(13, 2), "crop larger than the padded");
    assertRejected(
        loader,
        Augment.images(ImageLayout.CHW).fields(1).horizontalFlip(1),
        "field 1 of shape [8]");
    assertRejected(
        loader, Augment.images(ImageLayout.CHW).fields(2).horizontalFlip(1), "have 2 fields");
  }

  private static void assertRejected(Loader loader, Augment augment, String message) {
    StepVerifier.create(loader.batches().transform(augment))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(message))
        .verify(TIMEOUT);
    Leaks.assertReleased("augment", loader.bufferPool());
  }

  @Test
  void invalidOptionsAreRejectedWhenTheStageIsBuilt() {
    Augment a = Augment.images(ImageLayout.CHW);
    assertThatThrownBy(() -> a.horizontalFlip(-0.5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> a.verticalFlip(1.01)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> a.normalize(new float[] {0}, new float[] {0}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> a.normalize(new float[] {0, 0}, new float[] {1}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> a.parallelism(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> a.rotate(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> a.randomCrop(0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> a.randomErasing(0.5, 0.3, 0.2))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> a.gaussianNoise(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> a.fields()).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void workerThreadsStopWhenTheSubscriptionEnds() {
    Set<Long> before = Leaks.memfluxThreads();
    Loader loader = loader().build();
    collect(loader.batches().transform(heavy(3)));
    StepVerifier.create(loader.batches().transform(heavy(3)).doOnNext(Batch::close).take(2))
        .expectNextCount(2)
        .expectComplete()
        .verify(TIMEOUT);

    Leaks.assertNoNewMemfluxThreads(before, "augment");
  }

  @Test
  void integerFieldsWithoutToFloatAreRoundedAndClampedInPlace() {
    Loader loader = loader().build();
    Augment augment =
        Augment.images(ImageLayout.CHW)
            .map(
                (s, r) -> {
                  float[] v = s.array();
                  for (int i = 0; i < s.size(); i++) {
                    v[i] = v[i] * 2 + 0.4f;
                  }
                })
            .parallelism(2);

    List<Snapshot> out = collect(loader.batches().transform(augment));

    Snapshot first = out.get(0);
    assertThat(first.types().get(0)).isEqualTo(DType.UINT8);
    for (int i = 0; i < 8; i++) {
      for (int k = 0; k < 64; k++) {
        assertThat(first.fields().get(0)[i * 64 + k] & 0xff)
            .isEqualTo(Math.min(255, Fixtures.value(i, k) * 2));
      }
    }
    assertThat(augment.bufferPool().allocated()).isZero();
  }

  @Test
  void float32FieldsAreAugmentedInPlaceWithoutLeasingBuffers() throws IOException {
    try (NpyArray rgb = Fixtures.float32Images(dir, "rgb.npy", 16, 3, 4, 5)) {
      Loader loader = Loader.builder(rgb).batchSize(8).shuffle(Shuffle.none()).build();
      Augment augment = Augment.images(ImageLayout.CHW).verticalFlip(1).parallelism(2);

      List<Snapshot> out = collect(loader.batches().transform(augment));

      float[] pixels = out.get(1).floats(0);
      for (int i = 0; i < 8; i++) {
        for (int c = 0; c < 3; c++) {
          for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 5; x++) {
              assertThat(pixels[i * 60 + c * 20 + y * 5 + x])
                  .isEqualTo((float) (Fixtures.value(8 + i, c * 20 + (3 - y) * 5 + x) / 255.0));
            }
          }
        }
      }
      assertThat(augment.bufferPool().allocated()).isZero();
    }
  }

  @Test
  void channelsLastImagesAreTransposedBackExactly() throws IOException {
    try (NpyArray hwc = Fixtures.uint8Images(dir, "hwc.npy", 16, 4, 4, 3)) {
      Loader loader = Loader.builder(hwc).batchSize(8).shuffle(Shuffle.none()).build();
      Augment augment =
          Augment.images(ImageLayout.HWC)
              .horizontalFlip(1)
              .map((s, r) -> assertThat(s.channels()).isEqualTo(3))
              .parallelism(2);

      List<Snapshot> out = collect(loader.batches().transform(augment));

      byte[] pixels = out.get(1).fields().get(0);
      for (int i = 0; i < 8; i++) {
        for (int y = 0; y < 4; y++) {
          for (int x = 0; x < 4; x++) {
            for (int c = 0; c < 3; c++) {
              assertThat(pixels[i * 48 + (y * 4 + x) * 3 + c] & 0xff)
                  .isEqualTo(Fixtures.value(8 + i, (y * 4 + (3 - x)) * 3 + c));
            }
          }
        }
      }
    }
  }

  @Test
  void croppingChangesTheShapeAndLeasesBuffersOnlyUntilSteadyState() {
    Loader loader = loader().epochs(20).build();
    Augment augment = Augment.images(ImageLayout.CHW).randomCrop(5, 0).parallelism(2);

    List<Snapshot> out = collect(loader.batches().transform(augment));

    assertThat(out).hasSize((int) (20 * loader.batchesPerEpoch()));
    assertThat(out.get(0).shapes().get(0)).containsExactly(8, 1, 5, 5);
    assertThat(out.get(5).shapes().get(0)).containsExactly(4, 1, 5, 5);
    // One buffer for full batches and one for the short last batch, each reused every epoch.
    assertThat(augment.bufferPool().allocated()).isLessThanOrEqualTo(4);
    Leaks.assertReleased("augment", augment.bufferPool());
    assertThat(augment.meter().completed()).isEqualTo(out.size());
    assertThat(augment.meter().workers()).isEqualTo(2);
  }

  @Test
  void anOpScopedToSeveralFieldsDrawsTheSameForEach() throws IOException {
    try (NpyArray masks = Fixtures.uint8Images(dir, "masks.npy", ROWS, 1, 8, 8)) {
      Loader loader = Loader.builder(images, masks).batchSize(8).shuffle(Shuffle.none()).build();
      Augment augment =
          Augment.images(ImageLayout.CHW).fields(0, 1).rotate(40).horizontalFlip(0.5).seed(3);

      List<Snapshot> out = collect(loader.batches().transform(augment));
      assertThat(out).isNotEmpty();
      for (Snapshot s : out) {
        assertThat(s.fields().get(1)).isEqualTo(s.fields().get(0));
      }
    }
  }

  @Test
  void aDescriptionAppliedToTwoFluxesKeepsOneMeterForBoth() {
    Loader loader = loader().build();
    Augment augment = Augment.images(ImageLayout.CHW).horizontalFlip(0.5).parallelism(1);

    Flux<Batch> twice =
        Flux.concat(loader.batches().transform(augment), loader.batches().transform(augment));

    int both = (int) (2 * loader.batchesPerEpoch());
    assertThat(collect(twice)).hasSize(both);
    assertThat(augment.meter().completed()).isEqualTo(both);
    assertThat(augment.meter().busyNanos()).isPositive();
  }
}
