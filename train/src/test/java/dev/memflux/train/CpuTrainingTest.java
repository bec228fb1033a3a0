package dev.memflux.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.Trainer;
import dev.memflux.core.Loader;
import dev.memflux.core.testing.LogCapture;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

class CpuTrainingTest {

  @TempDir Path dir;

  @Test
  void knownBadSettingsAreNamedInOneLineWithTheRemedy() {
    String both = CpuTraining.knownBad(2, 2, false);
    assertThat(both)
        .doesNotContain("\n")
        .contains("PyTorch has 2 intra-op threads on 2 processors")
        .contains("glibc's malloc")
        .contains("Call CpuTraining.tune() at the start of main");
    assertThat(CpuTraining.knownBad(8, 8, true))
        .contains("8 intra-op threads on 8 processors")
        .doesNotContain("malloc");
    assertThat(CpuTraining.knownBad(1, 2, true)).isNull();
    assertThat(CpuTraining.knownBad(4, 8, true)).isNull();
    // a single processor leaves nothing to share: one thread is no fault
    assertThat(CpuTraining.knownBad(1, 1, true)).isNull();
  }

  @Test
  void recommendsHalfTheProcessorsAndAtLeastOne() {
    assertThat(CpuTraining.recommendedTorchThreads(1)).isOne();
    assertThat(CpuTraining.recommendedTorchThreads(2)).isOne();
    assertThat(CpuTraining.recommendedTorchThreads(16)).isEqualTo(8);
  }

  @Test
  void leavesAMallocTunedByTheUserAlone() {
    List<String> advice = new ArrayList<>();
    assertThat(CpuTraining.fixMallocThresholds(Map.of("MALLOC_ARENA_MAX", "2"), advice)).isTrue();
    assertThat(CpuTraining.fixMallocThresholds(Map.of("GLIBC_TUNABLES", "x=1"), advice)).isTrue();
    assertThat(
            CpuTraining.fixMallocThresholds(
                Map.of("LD_PRELOAD", "/usr/lib/libjemalloc.so.2"), advice))
        .isTrue();
    assertThat(advice).isEmpty();
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void fixesTheMallocThresholdsThroughGlibc() {
    List<String> advice = new ArrayList<>();
    assertThat(CpuTraining.fixMallocThresholds(Map.of("PATH", "/usr/bin"), advice)).isTrue();
    assertThat(advice).isEmpty();
  }

  @Test
  void tuneLeavesPyTorchWithTheThreadsAsked() {
    CpuTraining.Tuning tuning = CpuTraining.tune();
    String asked = System.getProperty(CpuTraining.NUM_THREADS);
    assertThat(asked).isNotNull();
    assertThat(tuning.torchThreads()).isEqualTo(Integer.parseInt(asked));
    assertThat(tuning.advice()).isEmpty();
  }

  /** Training.fit on the CPU logs known-bad settings (PyTorch on every core) in one warning. */
  @Test
  void fitWarnsOnceWhenPyTorchTakesEveryCore() throws IOException {
    int processors = Runtime.getRuntime().availableProcessors();
    Assumptions.assumeTrue(processors > 1, "one processor: no thread setting is known to be bad");
    List<LogRecord> records;
    try (LogCapture log = LogCapture.of(CpuTraining.class);
        SyntheticData data = SyntheticData.create(dir, 64, Models.FEATURES, Models.CLASSES, 3);
        Model model = Models.mlp();
        Trainer trainer = Models.trainer(model)) {
      int before = JniUtils.getNumThreads();
      JniUtils.setNumThreads(processors); // PyTorch's default: every core
      CpuTraining.WARNED.set(false);
      try {
        Loader loader = Loader.builder(data.x, data.y).batchSize(16).build();
        for (int run = 0; run < 2; run++) {
          Training.fit(trainer, loader.batches()).block(Duration.ofSeconds(30));
        }
      } finally {
        JniUtils.setNumThreads(before);
      }
      records = log.records();
    }
    assertThat(records).as("one warning for two runs").hasSize(1);
    assertThat(records.get(0).getLevel()).isEqualTo(Level.WARNING);
    assertThat(records.get(0).getMessage())
        .startsWith("memflux: CPU training with PyTorch has " + processors + " intra-op threads")
        .contains("Call CpuTraining.tune() at the start of main");
  }
}
