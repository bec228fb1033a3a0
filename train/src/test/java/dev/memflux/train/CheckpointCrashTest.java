package dev.memflux.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;
import dev.memflux.core.LoaderState;
import dev.memflux.core.testing.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16.4: a process killed with SIGKILL at a random moment of a checkpoint save leaves the last
 * committed checkpoint loadable, its parameters and loader state belonging together.
 */
class CheckpointCrashTest {

  static final int TRIALS = 12;
  static final String NAME = "m";

  /** 512 x 512 weights: 1 MiB of parameters, so a kill can land while they are written. */
  static final int WIDTH = 512;

  @TempDir Path dir;

  /**
   * The child: saves checkpoints {@code first, first + 1, ...} until killed, each with every
   * parameter equal to its index and a loader state at that epoch; prints "ready", then "saved I"
   * after each save returns.
   */
  public static final class Saver {
    public static void main(String[] args) throws IOException {
      Path dir = Path.of(args[0]);
      int first = Integer.parseInt(args[1]);
      try (Model model = model()) {
        System.out.println("ready");
        for (int i = first; ; i++) {
          fill(model, i);
          Checkpoint.save(model, dir, NAME, i, state(i));
          System.out.println("saved " + i);
        }
      }
    }
  }

  static Model model() {
    Model model = Model.newInstance(NAME, Device.cpu());
    model.setBlock(new SequentialBlock().add(Linear.builder().setUnits(WIDTH).build()));
    model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, WIDTH));
    return model;
  }

  static void fill(Model model, int value) {
    for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
      NDArray a = p.getValue().getArray();
      float[] values = new float[Math.toIntExact(a.size())];
      Arrays.fill(values, value);
      a.set(values);
    }
  }

  /** The one value every parameter holds; fails if they differ. */
  static int value(Model model) {
    TreeSet<Float> values = new TreeSet<>();
    for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
      for (float v : p.getValue().getArray().toFloatArray()) {
        values.add(v);
      }
    }
    assertThat(values).as("every parameter from the same save").hasSize(1);
    return values.first().intValue();
  }

  static LoaderState state(int epoch) {
    return new LoaderState(epoch, 10, "none", "", 1, new long[] {0}, new long[0], 0);
  }

  @Test
  void aSaveKilledAtAnyMomentLeavesTheLastCommittedCheckpointWhole() throws Exception {
    try (Model model = model()) {
      fill(model, 0);
      Checkpoint.save(model, dir, NAME, 0, state(0));
    }
    SplittableRandom random = new SplittableRandom(0x16_04L);
    TreeSet<Integer> loaded = new TreeSet<>();
    long saveMillis = 0;
    for (int trial = 0; trial < TRIALS; trial++) {
      int first = 1000 * (trial + 1);
      ChildJvm child =
          ChildJvm.start(
              dir.resolve("../child-" + trial + ".log").normalize(),
              Saver.class,
              dir.toString(),
              Integer.toString(first));
      if (trial == 0) {
        // How long a save takes here, so the kills below spread over a whole one.
        child.awaitLine("saved " + (first + 1), Duration.ofSeconds(120));
        long start = System.nanoTime();
        child.awaitLine("saved " + (first + 3), Duration.ofSeconds(60));
        saveMillis = Math.max(5, (System.nanoTime() - start) / 2_000_000);
      } else {
        int after = random.nextInt(3);
        child.awaitLine(
            after == 0 ? "ready" : "saved " + (first + after - 1), Duration.ofSeconds(120));
        Thread.sleep(random.nextLong(saveMillis + 1));
      }
      child.kill();
      int lastSaved =
          child.lines().stream()
              .filter(l -> l.startsWith("saved "))
              .mapToInt(l -> Integer.parseInt(l.substring(6)))
              .max()
              .orElse(-1);
      try (Model model = model()) {
        Checkpoint checkpoint = Checkpoint.load(model, dir, NAME);
        String what = "trial " + trial + ", last save reported: " + lastSaved;
        assertThat(checkpoint.skipped()).as(what).isEmpty();
        assertThat(value(model)).as(what).isEqualTo(checkpoint.index());
        assertThat(checkpoint.state().epoch()).as(what).isEqualTo(checkpoint.index());
        // No committed save is lost; at most the one in progress is, or has just committed.
        if (lastSaved >= 0) {
          assertThat(checkpoint.index()).as(what).isBetween(lastSaved, lastSaved + 1);
        }
        loaded.add(checkpoint.index());
      }
    }
    System.out.printf(
        "CheckpointCrash: %d kills, %d ms a save, checkpoints loaded %s%n",
        TRIALS, saveMillis, loaded);
    assertThat(loaded).as("kills landed at different points").hasSizeGreaterThan(1);

    // The next save prunes the files of saves that were killed.
    try (Model model = model()) {
      fill(model, 7);
      Checkpoint.save(model, dir, NAME, 7, state(7));
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".params")))
          .as("the latest and the previous parameter files")
          .hasSize(2);
    }
  }
}
