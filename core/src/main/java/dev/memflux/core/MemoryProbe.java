package dev.memflux.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How much memory this process may fill with file data, as Linux tells it: the RAM available
 * ({@code MemAvailable}, which counts reclaimable page cache) and, in a container or any memory
 * cgroup, the cgroup's limit less the anonymous memory its processes hold, since the page cache
 * counts against the limit. Reads {@code /proc/meminfo}, {@code /proc/self/cgroup}, {@code
 * /proc/self/mountinfo} and the cgroup's files (v1 {@code memory.limit_in_bytes} and {@code
 * memory.stat}; v2 {@code memory.max} up the tree and {@code memory.stat}) under a root directory,
 * so tests can give it a made-up machine.
 */
final class MemoryProbe {

  /**
   * What the probe found.
   *
   * @param available bytes of file data the process can keep in memory, or {@link Long#MAX_VALUE}
   *     when unknown (not Linux)
   * @param source where the figure comes from, for the loader's report
   */
  record Memory(long available, String source) {}

  /** A cgroup hierarchy's mount point and this process's directory in it. */
  private record Cgroup(Path mount, Path dir) {}

  /** How long a reading of this machine is reused: loaders built together see the same. */
  private static final long REUSE_NANOS = 1_000_000_000L;

  private static final MemoryProbe SYSTEM = new MemoryProbe(Path.of("/"));

  private final Path root;
  private @Nullable Memory last; // the latest reading, reused for REUSE_NANOS
  private long lastNanos;

  /** A probe of the machine under {@code root} ("/" for this one). */
  MemoryProbe(Path root) {
    this.root = root;
  }

  /** This machine. */
  static MemoryProbe system() {
    return SYSTEM;
  }

  /**
   * The figures, read now or at most a second ago. Never throws: what cannot be read is treated as
   * no limit.
   */
  synchronized Memory read() {
    long now = System.nanoTime();
    if (last == null || now - lastNanos > REUSE_NANOS) {
      last = readNow();
      lastNanos = now;
    }
    return last;
  }

  private Memory readNow() {
    long total = meminfo("MemTotal");
    long available = meminfo("MemAvailable");
    if (available < 0) {
      return new Memory(Long.MAX_VALUE, "memory unknown (no /proc/meminfo)");
    }
    Memory ram = new Memory(available, IoPolicy.size(available) + " available (MemAvailable)");
    Optional<Memory> cgroup = cgroupV2(total).or(() -> cgroupV1(total));
    return cgroup.filter(c -> c.available() < available).orElse(ram);
  }

  /** A /proc/meminfo figure in bytes, or -1. */
  private long meminfo(String key) {
    for (String line : lines(root.resolve("proc/meminfo"))) {
      if (line.startsWith(key + ":")) {
        String value = line.substring(key.length() + 1).trim();
        int space = value.indexOf(' ');
        long kb = parse(space < 0 ? value : value.substring(0, space));
        return kb < 0 ? -1 : kb * 1024;
      }
    }
    return -1;
  }

  private Optional<Memory> cgroupV2(long total) {
    Optional<Cgroup> found = cgroupDir("", "cgroup2", null);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    Path mount = found.get().mount();
    Path dir = found.get().dir();
    // The tightest memory.max from this cgroup up to the hierarchy's root (which has none).
    long limit = Long.MAX_VALUE;
    for (Path d = dir; d != null && d.startsWith(mount); d = d.getParent()) {
      String max = first(d.resolve("memory.max"));
      if (max != null && !max.equals("max") && parse(max) >= 0) {
        limit = Math.min(limit, parse(max));
      }
    }
    long anon = stat(dir.resolve("memory.stat"), "anon");
    return limited(limit, anon, total, "cgroup v2 memory.max", dir);
  }

  private Optional<Memory> cgroupV1(long total) {
    Optional<Cgroup> found = cgroupDir("memory", "cgroup", "memory");
    if (found.isEmpty()) {
      return Optional.empty();
    }
    Path dir = found.get().dir();
    long limit = parse(first(dir.resolve("memory.limit_in_bytes")));
    Path stat = dir.resolve("memory.stat");
    long hierarchical = stat(stat, "hierarchical_memory_limit");
    if (hierarchical > 0) {
      limit = Math.min(limit, hierarchical);
    }
    long rss = stat(stat, "total_rss");
    return limited(limit, rss, total, "cgroup v1 memory limit", dir);
  }

  private Optional<Memory> limited(long limit, long used, long total, String what, Path dir) {
    if (limit <= 0 || (total > 0 && limit >= total)) {
      return Optional.empty(); // no limit, or none below the RAM
    }
    long free = Math.max(0, limit - Math.max(0, used));
    return Optional.of(
        new Memory(
            free,
            IoPolicy.size(free)
                + " ("
                + what
                + " "
                + IoPolicy.size(limit)
                + " less "
                + IoPolicy.size(Math.max(0, used))
                + " in use, /"
                + root.relativize(dir)
                + ")"));
  }

  /**
   * The mount point and this process's cgroup directory in the hierarchy mounted as {@code fsType}
   * (with {@code option} among its super options, for v1), found through /proc/self/cgroup ({@code
   * controller}: "" for v2, "memory" for v1) and /proc/self/mountinfo.
   */
  private Optional<Cgroup> cgroupDir(String controller, String fsType, @Nullable String option) {
    String path = null;
    for (String line : lines(root.resolve("proc/self/cgroup"))) {
      String[] f = line.split(":", 3);
      if (f.length == 3 && List.of(f[1].split(",")).contains(controller)) {
        path = f[2];
      }
    }
    if (path == null) {
      return Optional.empty();
    }
    for (String line : lines(root.resolve("proc/self/mountinfo"))) {
      int dash = line.indexOf(" - ");
      if (dash < 0) {
        continue;
      }
      String[] mount = line.substring(0, dash).split(" ", -1);
      String[] fs = line.substring(dash + 3).split(" ", -1);
      if (mount.length < 5 || fs.length < 3 || !fs[0].equals(fsType)) {
        continue;
      }
      if (option != null && !List.of(fs[2].split(",")).contains(option)) {
        continue;
      }
      String mountRoot = mount[3];
      String rest = path.startsWith(mountRoot) ? path.substring(mountRoot.length()) : path;
      Path mountPoint = root.resolve(strip(mount[4]));
      Path dir = mountPoint.resolve(strip(rest));
      return Files.isDirectory(dir) ? Optional.of(new Cgroup(mountPoint, dir)) : Optional.empty();
    }
    return Optional.empty();
  }

  private static String strip(String p) {
    return p.startsWith("/") ? p.substring(1) : p;
  }

  /** A figure of a memory.stat file, or -1. */
  private static long stat(Path file, String key) {
    for (String line : lines(file)) {
      if (line.startsWith(key + " ")) {
        return parse(line.substring(key.length() + 1).trim());
      }
    }
    return -1;
  }

  private static long parse(@Nullable String number) {
    try {
      return number == null ? -1 : Long.parseLong(number.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static @Nullable String first(Path file) {
    List<String> lines = lines(file);
    return lines.isEmpty() ? null : lines.get(0).trim();
  }

  /** The lines of a small system file, or none when it cannot be read. */
  private static List<String> lines(Path file) {
    if (!Files.isRegularFile(file)) {
      return List.of(); // cheaper than the exception, for the files one hierarchy lacks
    }
    try {
      return List.of(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).split("\n"));
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }
}
