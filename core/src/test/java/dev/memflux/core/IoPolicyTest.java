package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The read-mode decision on made-up machines: sizes, memory, file systems. */
class IoPolicyTest {

  static final long GB = 1_000_000_000L;
  static final IoPolicy.DirectSupport DIRECT_OK = (file, why) -> 4096;
  static final IoPolicy.DirectSupport NO_DIRECT =
      (file, why) -> {
        why[0] = "O_DIRECT reads of " + file + " fail (Invalid argument)";
        return 0;
      };

  static IoPolicy.Field field(String name, long bytes) {
    return new IoPolicy.Field(Path.of("/data", name), bytes, true);
  }

  static MemoryProbe.Memory memory(long available) {
    return new MemoryProbe.Memory(available, "made-up " + IoPolicy.size(available));
  }

  static IoPolicy.Decision auto(long available, IoPolicy.Field... fields) {
    return IoPolicy.decide(IoMode.AUTO, List.of(fields), () -> memory(available), DIRECT_OK);
  }

  @Test
  void dataThatFitsIsReadMapped() {
    IoPolicy.Decision d = auto(10 * GB, field("x.npy", 7 * GB), field("y.npy", GB / 1000));
    assertThat(d.choice().modes()).containsExactly(IoMode.MAPPED, IoMode.MAPPED);
    assertThat(d.choice().reason())
        .isEqualTo(
            "7.00 GB of data fits in memory, made-up 10.0 GB: mapped for x.npy (7.00 GB),"
                + " mapped for y.npy (1.00 MB)");
    assertThat(d.alignments()).containsExactly(1, 1);
  }

  @Test
  void dataBeyondFourFifthsOfMemoryIsReadDirectExceptSmallFields() {
    IoPolicy.Decision d = auto(GB, field("x.npy", 3_930_000_000L), field("y.npy", 2_560_000));
    assertThat(d.choice().modes()).containsExactly(IoMode.DIRECT, IoMode.MAPPED);
    assertThat(d.alignments()).containsExactly(4096, 1);
    assertThat(d.choice().reason())
        .isEqualTo(
            "out of core: 3.93 GB of data, memory for it made-up 1.00 GB: direct reads for x.npy,"
                + " mapped for y.npy (2.56 MB)");
    // just past the line
    assertThat(auto(10 * GB, field("x.npy", 8 * GB + 1)).choice().modes())
        .containsExactly(IoMode.DIRECT);
    assertThat(auto(10 * GB, field("x.npy", 8 * GB)).choice().modes())
        .containsExactly(IoMode.MAPPED);
  }

  @Test
  void smallFieldsStayMappedOnlyWhileTogetherUnderAQuarterOfMemory() {
    IoPolicy.Decision d =
        auto(
            4 * GB,
            field("a.npy", 10 * GB),
            field("b.npy", GB / 2),
            field("c.npy", GB / 2),
            field("d.npy", GB / 2));
    // 0.5 + 0.5 fit in a quarter of 4 GB; the third half gigabyte does not
    assertThat(d.choice().modes())
        .containsExactly(IoMode.DIRECT, IoMode.MAPPED, IoMode.MAPPED, IoMode.DIRECT);
  }

  @Test
  void withoutODirectTheFileSystemsPageCacheIsUsedAndTheReasonSaysWhy() {
    IoPolicy.Decision d =
        IoPolicy.decide(IoMode.AUTO, List.of(field("x.npy", 5 * GB)), () -> memory(GB), NO_DIRECT);
    assertThat(d.choice().modes()).containsExactly(IoMode.BUFFERED);
    assertThat(d.choice().reason())
        .endsWith(
            "buffered reads for x.npy; O_DIRECT reads of /data/x.npy fail (Invalid argument),"
                + " so x.npy is read through the page cache");
  }

  @Test
  void forcedModesAreKeptWhereTheyCanBeAndExplainedWhereNot() {
    List<IoPolicy.Field> fields =
        List.of(
            field("x.npy", 100),
            new IoPolicy.Field(Path.of("/data/f.npy"), 100, false),
            field("empty.npy", 0));
    AtomicInteger probed = new AtomicInteger();
    IoPolicy.Decision direct =
        IoPolicy.decide(
            IoMode.DIRECT,
            fields,
            () -> {
              throw new AssertionError("memory is only read for AUTO");
            },
            (file, why) -> {
              probed.incrementAndGet();
              return 512;
            });
    assertThat(direct.choice().modes())
        .containsExactly(IoMode.DIRECT, IoMode.MAPPED, IoMode.MAPPED);
    assertThat(direct.alignments()).containsExactly(512, 1, 1);
    assertThat(probed).hasValue(1);
    assertThat(direct.choice().reason())
        .startsWith("as set by io(DIRECT): direct reads for x.npy, mapped for f.npy")
        .contains("f.npy is in Fortran order (rows not contiguous in the file), so it is mapped");
    assertThat(
            IoPolicy.decide(IoMode.BUFFERED, fields, () -> memory(1), NO_DIRECT).choice().modes())
        .containsExactly(IoMode.BUFFERED, IoMode.MAPPED, IoMode.MAPPED);
    assertThat(IoPolicy.decide(IoMode.MAPPED, fields, () -> memory(1), NO_DIRECT).choice())
        .satisfies(c -> assertThat(c.allMapped()).isTrue())
        .satisfies(c -> assertThat(c.reason()).startsWith("as set by io(MAPPED)"));
  }

  @Test
  void unknownMemoryMeansMapped() {
    IoPolicy.Decision d =
        IoPolicy.decide(
            IoMode.AUTO,
            List.of(field("x.npy", 100 * GB)),
            () -> new MemoryProbe.Memory(Long.MAX_VALUE, "memory unknown (no /proc/meminfo)"),
            DIRECT_OK);
    assertThat(d.choice().modes()).containsExactly(IoMode.MAPPED);
  }

  @Test
  void sizesReadLikeAPerson() {
    assertThat(IoPolicy.size(512)).isEqualTo("512 B");
    assertThat(IoPolicy.size(12_288)).isEqualTo("12.3 kB");
    assertThat(IoPolicy.size(2_560_000)).isEqualTo("2.56 MB");
    assertThat(IoPolicy.size(1L << 30)).isEqualTo("1.07 GB");
    assertThat(IoPolicy.size(123_400_000_000L)).isEqualTo("123 GB");
    assertThat(IoPolicy.size(Long.MAX_VALUE)).isEqualTo("unlimited");
  }
}
