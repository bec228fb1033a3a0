package dev.memflux.samples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The out-of-core table's ratios, on made-up rows (the bench itself needs root and minutes). */
class OutOfCoreBenchTest {

  static Result row(String stage, String impl, String variant, boolean shuffle, double perSec) {
    return new Result(
        stage,
        impl,
        variant,
        "ooc-u8",
        shuffle,
        1,
        perSec,
        perSec * 12288 / 1e9,
        Double.NaN,
        Double.NaN,
        1,
        256,
        "");
  }

  @Test
  void randomRowsAreJudgedByIopsAndTheRestByBandwidthAgainstTheBestPeerOfTheirOrder() {
    List<Result> rows =
        List.of(
            row("out-of-core", "memflux", "random", true, 40_000),
            row("out-of-core", "memflux", "blocks-2MiB", true, 81_380),
            row("out-of-core", "memflux", "sequential", false, 81_380),
            row("out-of-core", "peer-madvise", "madvise", true, 10_000),
            row("out-of-core", "peer-dataloader", "sample", true, 100),
            row("out-of-core", "peer-batched", "batched", false, 162_760),
            new Result(
                "limit",
                "disk-randread-16k-qd32",
                "",
                "ooc-u8",
                true,
                32,
                50_000,
                0.82,
                Double.NaN,
                Double.NaN,
                0,
                0,
                ""),
            new Result(
                "limit",
                "disk-seqread-1m-qd8",
                "",
                "ooc-u8",
                false,
                8,
                101_725,
                1.25,
                Double.NaN,
                Double.NaN,
                0,
                0,
                ""));
    String table = OutOfCoreBench.render(rows);
    assertThat(table)
        .containsPattern("memflux random +T +1 +40,000 +0\\.492 +4\\.00x +0\\.80x")
        .containsPattern("memflux blocks-2MiB +T +1 +81,380 +1\\.000 +8\\.14x +0\\.80x")
        .containsPattern("memflux sequential +F +1 +81,380 +1\\.000 +0\\.50x +0\\.80x")
        .containsPattern("peer-madvise +T +1 +10,000 +0\\.123 *\\n");
  }
}
