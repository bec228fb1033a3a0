package dev.memflux.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class NativeHeapTest {

  @Test
  @EnabledOnOs(OS.LINUX)
  void fixesTheThresholdsThroughGlibc() {
    assertThat(NativeHeap.retainFreedMemoryUnlessSet(Map.of("PATH", "/usr/bin"))).isTrue();
  }

  @Test
  void leavesAMallocTunedByTheUserAlone() {
    assertThat(NativeHeap.retainFreedMemoryUnlessSet(Map.of("MALLOC_ARENA_MAX", "2"))).isFalse();
    assertThat(NativeHeap.retainFreedMemoryUnlessSet(Map.of("GLIBC_TUNABLES", "x=1"))).isFalse();
  }
}
