package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory probe on made-up /proc and /sys trees: plain RAM, cgroup v1, cgroup v2. */
class MemoryProbeTest {

  @TempDir Path root;

  void write(String file, String... lines) throws IOException {
    Path p = root.resolve(file);
    Files.createDirectories(p.getParent());
    Files.write(p, java.util.List.of(lines));
  }

  void meminfo(long totalKb, long availableKb) throws IOException {
    write(
        "proc/meminfo",
        "MemTotal:       " + totalKb + " kB",
        "MemFree:        1000 kB",
        "MemAvailable:   " + availableKb + " kB");
  }

  @Test
  void withoutACgroupLimitTheRamAvailableCounts() throws IOException {
    meminfo(24_000_000, 20_000_000);
    write("proc/self/cgroup", "0::/user.slice");
    write(
        "proc/self/mountinfo",
        "30 24 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate");
    write("sys/fs/cgroup/user.slice/memory.max", "max");
    MemoryProbe.Memory m = new MemoryProbe(root).read();
    assertThat(m.available()).isEqualTo(20_480_000_000L);
    assertThat(m.source()).isEqualTo("20.5 GB available (MemAvailable)");
  }

  @Test
  void cgroupV2TakesTheTightestLimitUpTheTreeLessAnonymousMemory() throws IOException {
    meminfo(24_000_000, 20_000_000);
    write("proc/self/cgroup", "0::/box/job");
    write(
        "proc/self/mountinfo",
        "22 1 8:1 / / rw - ext4 /dev/vda rw",
        "30 24 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate");
    write("sys/fs/cgroup/box/memory.max", "1073741824");
    write("sys/fs/cgroup/box/job/memory.max", "max");
    write("sys/fs/cgroup/box/job/memory.stat", "anon 100000000", "file 900000000");
    MemoryProbe.Memory m = new MemoryProbe(root).read();
    assertThat(m.available()).isEqualTo((1L << 30) - 100_000_000);
    assertThat(m.source())
        .isEqualTo(
            "974 MB (cgroup v2 memory.max 1.07 GB less 100 MB in use, /sys/fs/cgroup/box/job)");
  }

  @Test
  void cgroupV1ReadsTheHierarchicalLimitAndTheRssOfTheGroup() throws IOException {
    meminfo(24_000_000, 20_000_000);
    write(
        "proc/self/cgroup", "9:name=systemd:/", "4:memory:/memflux-peer-ooc42", "1:cpu:/", "0::/");
    write(
        "proc/self/mountinfo",
        "25 24 0:22 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu",
        "26 24 0:23 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory",
        "27 24 0:24 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw");
    write("sys/fs/cgroup/unified/memory.stat", "anon 0");
    write("sys/fs/cgroup/memory/memflux-peer-ooc42/memory.limit_in_bytes", "9223372036854771712");
    write(
        "sys/fs/cgroup/memory/memflux-peer-ooc42/memory.stat",
        "cache 5000",
        "rss 2000",
        "hierarchical_memory_limit 1073741824",
        "total_cache 500000000",
        "total_rss 200000000");
    MemoryProbe.Memory m = new MemoryProbe(root).read();
    assertThat(m.available()).isEqualTo((1L << 30) - 200_000_000);
    assertThat(m.source())
        .isEqualTo(
            "874 MB (cgroup v1 memory limit 1.07 GB less 200 MB in use,"
                + " /sys/fs/cgroup/memory/memflux-peer-ooc42)");
  }

  @Test
  void aContainersOwnCgroupRootIsFoundThroughTheMountRoot() throws IOException {
    meminfo(24_000_000, 20_000_000);
    // Without a cgroup namespace the path is the host's; the mount's root strips its prefix.
    write("proc/self/cgroup", "0::/kubepods/pod1/c1");
    write(
        "proc/self/mountinfo",
        "30 24 0:26 /kubepods/pod1/c1 /sys/fs/cgroup ro - cgroup2 cgroup2 rw");
    write("sys/fs/cgroup/memory.max", "2000000000");
    write("sys/fs/cgroup/memory.stat", "anon 500000000");
    assertThat(new MemoryProbe(root).read().available()).isEqualTo(1_500_000_000L);
  }

  @Test
  void aLimitAboveTheRamOrUnreadableFilesMeanNoLimit() throws IOException {
    meminfo(4_000_000, 3_000_000);
    write("proc/self/cgroup", "0::/big");
    write("proc/self/mountinfo", "30 24 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw");
    write("sys/fs/cgroup/big/memory.max", "8000000000");
    assertThat(new MemoryProbe(root).read().available()).isEqualTo(3_072_000_000L);
    Files.delete(root.resolve("proc/meminfo"));
    assertThat(new MemoryProbe(root).read())
        .isEqualTo(new MemoryProbe.Memory(Long.MAX_VALUE, "memory unknown (no /proc/meminfo)"));
  }
}
