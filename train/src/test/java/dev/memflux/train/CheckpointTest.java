package dev.memflux.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import dev.memflux.core.Loader;
import dev.memflux.core.Shuffle;
import dev.memflux.core.testing.Eventually;
import dev.memflux.core.testing.SmallDisk;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

class CheckpointTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path dir;

  /** Records the sample ids of every batch trained, and fails the given batch (1-based). */
  private static final class Recorder extends TrainingListenerAdapter {
    final List<Long> ids = new ArrayList<>();
    final AtomicInteger batches = new AtomicInteger();
    final int failAt;

    Recorder(int failAt) {
      this.failAt = failAt;
    }

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
      if (batches.incrementAndGet() == failAt) {
        throw new IllegalStateException("crash");
      }
      for (Object id : batchData.getBatch().getIndices()) {
        ids.add((Long) id);
      }
    }
  }

  @Test
  void resumingFromACheckpointTrainsExactlyTheSamplesNotYetTrained() throws IOException {
    Path ckpt = dir.resolve("ckpt");
    try (SyntheticData data = SyntheticData.create(dir, 200, Models.FEATURES, Models.CLASSES, 3)) {
      Loader loader =
          Loader.builder(data.x, data.y).batchSize(16).shuffle(Shuffle.random(11)).build();
      TrainingOptions options =
          TrainingOptions.builder().checkpoints(ckpt, "mlp").checkpointEvery(1).build();

      Recorder first = new Recorder(6);
      float[] trainedParams;
      try (Model model = Models.mlp();
          Trainer trainer = Models.trainer(model, first)) {
        StepVerifier.create(Training.fit(trainer, loader.batches(), options))
            .expectErrorSatisfies(e -> assertThat(e).hasRootCauseMessage("crash"))
            .verify(TIMEOUT);
        trainedParams = firstWeight(model);
      }
      assertThat(first.ids).hasSize(5 * 16);

      Recorder second = new Recorder(-1);
      try (Model model = Models.mlp()) {
        Checkpoint checkpoint = Checkpoint.load(model, ckpt, "mlp");
        try (Trainer trainer = Models.trainer(model, second)) {
          assertThat(firstWeight(model)).containsExactly(trainedParams);
          Loader resumed = loader.resumeFrom(checkpoint.state());
          TrainingReport report =
              Training.fit(trainer, resumed.batches(), TrainingOptions.builder().build())
                  .block(TIMEOUT);
          assertThat(report.lastEpoch().samples()).isEqualTo(200 - 5 * 16);
        }
      }
      List<Long> all = new ArrayList<>(first.ids);
      all.addAll(second.ids);
      assertThat(all).doesNotHaveDuplicates().hasSize(200);
      Eventually.within(TIMEOUT, () -> assertThat(loader.bufferPool().outstanding()).isZero());
    }
  }

  @Test
  void readRejectsAFileThatIsNotACheckpoint() throws IOException {
    Files.writeString(dir.resolve("m.checkpoint"), "hello\n");
    assertThatThrownBy(() -> Checkpoint.read(dir, "m"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not a memflux checkpoint");
  }

  private static float[] firstWeight(Model model) {
    NDArray weight = model.getBlock().getParameters().get(0).getValue().getArray();
    return weight.toFloatArray();
  }

  private static Model model(int value) {
    Model model = CheckpointCrashTest.model();
    CheckpointCrashTest.fill(model, value);
    return model;
  }

  /** Saves checkpoints 1..count, checkpoint i with every parameter equal to i. */
  private void saveCheckpoints(int count) throws IOException {
    for (int i = 1; i <= count; i++) {
      try (Model model = model(i)) {
        Checkpoint.save(model, dir, "m", i, CheckpointCrashTest.state(i));
      }
    }
  }

  private List<String> files() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void savesWriteNewFilesOnlyAndPruneTheSuperseded() throws IOException {
    saveCheckpoints(1);
    Path first = dir.resolve("m-0000.params");
    byte[] firstBytes = Files.readAllBytes(first);
    saveCheckpoints(1); // the same index again: a new file, the first one untouched
    assertThat(Files.readAllBytes(first)).isEqualTo(firstBytes);
    assertThat(files()).containsExactly("m-0000.params", "m-0001.params", "m.checkpoint");
    saveCheckpoints(4);
    assertThat(files()).containsExactly("m-0004.params", "m-0005.params", "m.checkpoint");
    Checkpoint latest = Checkpoint.read(dir, "m");
    assertThat(latest.index()).isEqualTo(4);
    assertThat(latest.params()).isEqualTo(dir.resolve("m-0005.params"));
    assertThat(latest.skipped()).isEmpty();
  }

  /** Issue 16.4: a truncated parameter file made load throw a bare EOFException. */
  @Test
  void aDamagedLatestCheckpointFallsBackToThePreviousOneAndSaysWhy() throws IOException {
    saveCheckpoints(3);
    Path latest = dir.resolve("m-0002.params");
    long size = Files.size(latest);
    Files.write(latest, new byte[0]);
    try (Model model = model(0)) {
      Checkpoint loaded = Checkpoint.load(model, dir, "m");
      assertThat(loaded.index()).isEqualTo(2);
      assertThat(loaded.state()).isEqualTo(CheckpointCrashTest.state(2));
      assertThat(CheckpointCrashTest.value(model)).isEqualTo(2);
      assertThat(loaded.skipped())
          .containsExactly(latest + ": damaged: 0 bytes, the checkpoint recorded " + size);
    }
  }

  @Test
  void aFlippedByteIsFoundByTheChecksum() throws IOException {
    saveCheckpoints(2);
    Path latest = dir.resolve("m-0001.params");
    byte[] bytes = Files.readAllBytes(latest);
    bytes[bytes.length - 3] ^= 0x40; // inside the last parameter's values
    Files.write(latest, bytes);
    try (Model model = model(0)) {
      Checkpoint loaded = Checkpoint.load(model, dir, "m");
      assertThat(loaded.index()).isEqualTo(1);
      assertThat(CheckpointCrashTest.value(model)).isEqualTo(1);
      assertThat(loaded.skipped())
          .singleElement()
          .asString()
          .contains(latest + ": damaged: CRC-32C");
    }
  }

  @Test
  void whenNoCheckpointIsIntactTheErrorNamesEachFile() throws IOException {
    saveCheckpoints(2);
    Path previous = dir.resolve("m-0000.params");
    long size = Files.size(previous);
    Files.delete(dir.resolve("m-0001.params"));
    Files.write(previous, new byte[] {1});
    try (Model model = model(0)) {
      assertThatThrownBy(() -> Checkpoint.load(model, dir, "m"))
          .isInstanceOf(IOException.class)
          .hasMessage(
              dir.resolve("m.checkpoint")
                  + ": no intact checkpoint to load: "
                  + dir.resolve("m-0001.params")
                  + ": missing; "
                  + previous
                  + ": damaged: 1 bytes, the checkpoint recorded "
                  + size);
    }
  }

  @Test
  void aMissingCheckpointNamesTheFile() {
    assertThatThrownBy(() -> Checkpoint.read(dir, "m"))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessage(dir.resolve("m.checkpoint") + ": no checkpoint 'm' in " + dir);
  }

  /**
   * Issue 16.4: a save that failed after the parameters were written left the new parameters with
   * the old loader state.
   */
  @Test
  void aSaveThatFailsAfterWritingTheParametersLeavesThePreviousCheckpoint() throws IOException {
    saveCheckpoints(1);
    try (Model real = model(9)) {
      Model failing =
          (Model)
              Proxy.newProxyInstance(
                  Model.class.getClassLoader(),
                  new Class<?>[] {Model.class},
                  (proxy, method, args) -> {
                    Object result;
                    try {
                      result = method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                      throw e.getCause();
                    }
                    if (method.getName().equals("save")) {
                      throw new IOException("No space left on device");
                    }
                    return result;
                  });
      assertThatThrownBy(() -> Checkpoint.save(failing, dir, "m", 9, CheckpointCrashTest.state(9)))
          .isInstanceOf(IOException.class)
          .hasMessage(
              dir.resolve("m-0001.params")
                  + ": cannot save the parameters: No space left on device");
    }
    assertThat(files()).containsExactly("m-0000.params", "m.checkpoint");
    try (Model model = model(0)) {
      Checkpoint loaded = Checkpoint.load(model, dir, "m");
      assertThat(loaded.index()).isEqualTo(1);
      assertThat(loaded.state().epoch()).isEqualTo(1);
      assertThat(CheckpointCrashTest.value(model)).isEqualTo(1);
    }
  }

  /** Issues 16.4 and 16.6 on a real full disk: the save fails naming its file, nothing is lost. */
  @Test
  void aSaveOnAFullDiskFailsNamingTheFileAndTheLatestGoodCheckpointStillLoads() throws Exception {
    Path small = Files.createDirectories(dir.resolve("small"));
    try (SmallDisk disk = SmallDisk.mount(small, "32m")) {
      try (Model model = model(1)) {
        Checkpoint.save(model, small, "m", 1, CheckpointCrashTest.state(1));
      }
      Path filler = small.resolve("filler");
      try (var out = Files.newOutputStream(filler)) {
        byte[] block = new byte[4096];
        while (true) {
          out.write(block); // until the disk is full
        }
      } catch (IOException full) {
        assertThat(full).hasMessageContaining("No space left on device");
      }
      try (Model model = model(2)) {
        assertThatThrownBy(
                () -> Checkpoint.save(model, small, "m", 2, CheckpointCrashTest.state(2)))
            .isInstanceOf(IOException.class)
            .hasMessageStartingWith(small.toString())
            .hasMessageContaining("No space left on device");
      }
      Files.delete(filler);
      try (Model model = model(0)) {
        Checkpoint loaded = Checkpoint.load(model, small, "m");
        assertThat(loaded.index()).isEqualTo(1);
        assertThat(CheckpointCrashTest.value(model)).isEqualTo(1);
      }
    }
  }

  @Test
  void aCheckpointOfTheFirstFormatLoadsAndBecomesThePreviousOne() throws IOException {
    try (Model model = model(3)) {
      model.setProperty("Epoch", "3");
      model.save(dir, "m"); // as format 1 saved it: NAME-INDEX.params
    }
    Files.writeString(
        dir.resolve("m.checkpoint"),
        "memflux-checkpoint/1\nindex=3\nstate="
            + "memflux-state/1 epoch=3 rows=10 shuffle=none world=1 consumed=0 leftovers= tail=0\n");
    try (Model model = model(0)) {
      assertThat(Checkpoint.load(model, dir, "m").index()).isEqualTo(3);
      assertThat(CheckpointCrashTest.value(model)).isEqualTo(3);
    }
    try (Model model = model(4)) {
      Checkpoint.save(model, dir, "m", 4, CheckpointCrashTest.state(4));
    }
    assertThat(files()).containsExactly("m-0003.params", "m-0004.params", "m.checkpoint");
    Files.delete(dir.resolve("m-0004.params"));
    try (Model model = model(0)) {
      Checkpoint loaded = Checkpoint.load(model, dir, "m");
      assertThat(loaded.index()).isEqualTo(3);
      assertThat(loaded.state().dataFingerprint()).isEmpty();
    }
  }
}
