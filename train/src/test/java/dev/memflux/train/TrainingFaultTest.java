package dev.memflux.train;

import static dev.memflux.train.Released.assertReleased;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import dev.memflux.augment.Augment;
import dev.memflux.augment.AugmentException;
import dev.memflux.augment.ImageLayout;
import dev.memflux.core.Batch;
import dev.memflux.core.DType;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import dev.memflux.core.StageException;
import dev.memflux.core.testing.Leaks;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * Faults injected in the stages specific to training (augmentation inside a fit, tensor conversion,
 * the training step, validation): the error the caller sees names the stage and carries the cause,
 * and afterwards the pools are empty, the trainer's NDArray count is back to its start and no
 * memflux thread runs. Cancels, upstream errors and dropping operators are the stage contract's
 * ({@link TrainingContractTest}, {@link TensorsContractTest}).
 */
class TrainingFaultTest {

  static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  SyntheticData data;
  Model model;
  Set<Long> threadsBefore;

  @BeforeEach
  void setUp() throws IOException {
    data = SyntheticData.create(dir, 192, Models.FEATURES, Models.CLASSES, 3);
    model = Models.mlp();
    threadsBefore = Leaks.memfluxThreads();
  }

  @AfterEach
  void tearDown() {
    model.close();
    data.close();
  }

  enum Fault {
    AUGMENT,
    STEP,
    VALIDATION
  }

  @Test
  void faultsInAugmentationStepAndValidationReleaseEverything() throws Exception {
    SplittableRandom random = new SplittableRandom(0x7A1_0001L);
    int trials = 24;
    // Augmentation needs image rows: the same features as (1, 4) images, for a model that
    // flattens its input first.
    NpyArray images =
        NpyArray.create(dir.resolve("x_img.npy"), DType.FLOAT32, new long[] {192, 1, 4});
    for (long i = 0; i < 192; i++) {
      for (long f = 0; f < Models.FEATURES; f++) {
        images.setDouble(data.x.getDouble(i, f), i, 0, f);
      }
    }
    // A hidden layer, not a bare linear classifier: for softmax on one linear layer the signed
    // gradients sum to zero exactly in theory, and DJL's first-step check (their float sum is not
    // 0.0) then failed now and then.
    Model flatModel = Model.newInstance("flat", ai.djl.Device.cpu());
    flatModel.setBlock(
        new ai.djl.nn.SequentialBlock()
            .add(ai.djl.nn.Blocks.batchFlattenBlock())
            .add(ai.djl.nn.core.Linear.builder().setUnits(16).build())
            .add(ai.djl.nn.Activation::relu)
            .add(ai.djl.nn.core.Linear.builder().setUnits(Models.CLASSES).build()));
    try (images;
        flatModel;
        Trainer trainer = Models.trainer(model);
        Trainer imageTrainer = Models.trainer(flatModel)) {
      int trainerArrays = trainer.getManager().getManagedArrays().size();
      int imageArrays = imageTrainer.getManager().getManagedArrays().size();
      for (int trial = 0; trial < trials; trial++) {
        Fault fault = Fault.values()[trial % Fault.values().length];
        long at = random.nextLong(12);
        String what = "trial " + trial + " " + fault + " at " + at;
        Trainer t = fault == Fault.AUGMENT ? imageTrainer : trainer;
        int arrays = fault == Fault.AUGMENT ? imageArrays : trainerArrays;
        Loader loader =
            Loader.builder(fault == Fault.AUGMENT ? images : data.x, data.y)
                .batchSize(8 + random.nextInt(9))
                .shuffle(Shuffle.random(random.nextLong()))
                .epochs(2)
                .prefetch(1 + random.nextInt(3))
                .gatherThreads(1 + random.nextInt(2))
                .build();
        Loader validation = Loader.builder(data.x, data.y).batchSize(32).build();
        Augment augment =
            Augment.images(ImageLayout.CHW)
                .map(
                    (s, r) -> {
                      if (fault == Fault.AUGMENT && s.id() == at) {
                        throw new IllegalStateException("injected augment fault");
                      }
                    })
                .parallelism(2);
        Flux<Batch> batches = loader.batches().transform(fault == Fault.AUGMENT ? augment : f -> f);
        AtomicLong validated = new AtomicLong();
        TrainingOptions options =
            TrainingOptions.builder()
                .validation(
                    () ->
                        validation
                            .batches()
                            .<Batch>handle(
                                (b, sink) -> {
                                  if (fault == Fault.VALIDATION
                                      && validated.getAndIncrement() == at % 6) {
                                    b.close();
                                    sink.error(
                                        new IllegalStateException("injected validation fault"));
                                  } else {
                                    sink.next(b);
                                  }
                                }))
                .build();
        Throwable error = null;
        if (fault == Fault.STEP) {
          // the step fails through a listener, as a NaN check or a failing optimizer would
          AtomicLong steps = new AtomicLong();
          TrainingListenerAdapter failing =
              new TrainingListenerAdapter() {
                @Override
                public void onTrainingBatch(Trainer t, BatchData batchData) {
                  if (steps.getAndIncrement() == at) {
                    throw new IllegalStateException("injected step fault");
                  }
                }
              };
          try (Trainer failingTrainer = Models.trainer(Models.mlp(), failing)) {
            int failingArrays = failingTrainer.getManager().getManagedArrays().size();
            try {
              Training.fit(failingTrainer, batches, options).block(WAIT);
            } catch (RuntimeException e) {
              error = e;
            }
            assertThat(error)
                .as(what)
                .isInstanceOf(StageException.class)
                .hasMessageContaining("train stage failed")
                .hasMessageContaining("injected step fault");
            assertReleased(
                what,
                failingTrainer.getManager(),
                failingArrays,
                loader.bufferPool(),
                validation.bufferPool());
            failingTrainer.getModel().close();
          }
          Leaks.assertNoNewMemfluxThreads(threadsBefore, what);
          continue;
        } else {
          try {
            Training.fit(t, batches, options).block(WAIT);
          } catch (RuntimeException e) {
            error = e;
          }
        }
        switch (fault) {
          case AUGMENT -> {
            assertThat(error)
                .as(what)
                .isInstanceOf(AugmentException.class)
                .hasMessageContaining("augment stage failed on op map(")
                .hasMessageContaining("sample " + at)
                .hasRootCauseMessage("injected augment fault");
          }
          case VALIDATION ->
              assertThat(error)
                  .as(what)
                  .isInstanceOf(StageException.class)
                  .hasMessageContaining("validation stage failed on the batches after epoch")
                  .hasMessageContaining("injected validation fault");
          default -> {}
        }
        assertReleased(
            what,
            t.getManager(),
            arrays,
            loader.bufferPool(),
            validation.bufferPool(),
            augment.bufferPool());
        Leaks.assertNoNewMemfluxThreads(threadsBefore, what);
      }
    }
  }

  @Test
  void unsupportedFieldTypeFailsConversionNamingTheTypeAndReleasesEverything() throws Exception {
    try (NpyArray shorts = NpyArray.create(dir.resolve("y16.npy"), DType.INT16, new long[] {192});
        Trainer trainer = Models.trainer(model)) {
      int arrays = trainer.getManager().getManagedArrays().size();
      Loader loader = Loader.builder(data.x, shorts).batchSize(16).prefetch(3).build();
      Throwable error = null;
      try {
        Training.fit(trainer, loader.batches(), TrainingOptions.builder().build()).block(WAIT);
      } catch (RuntimeException e) {
        error = e;
      }
      assertThat(error)
          .isInstanceOf(StageException.class)
          .hasMessageContaining("convert stage failed")
          .hasCauseInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("field type")
          .hasMessageContaining("i2")
          .hasMessageContaining("DJL");
      assertReleased("int16 labels", trainer.getManager(), arrays, loader.bufferPool());
      Leaks.assertNoNewMemfluxThreads(threadsBefore, "int16 labels");
    }
  }
}
