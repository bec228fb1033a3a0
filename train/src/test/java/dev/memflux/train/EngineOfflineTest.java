package dev.memflux.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class EngineOfflineTest {

  @Test
  void pytorchEngineLoadsFromMavenNativesOffline() {
    assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
    Engine engine = Engine.getEngine("PyTorch");
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray a = manager.create(new float[] {1, 2, 3});
      assertThat(a.sum().getFloat()).isEqualTo(6f);
    }
    assertThat(engine.getVersion()).startsWith("2.7.1");
  }
}
