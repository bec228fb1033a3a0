package dev.memflux.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BottleneckTest {

  private static final List<StageReport> STAGES =
      List.of(
          new StageReport("gather", 2, 100, 1.0, 0.25),
          new StageReport("augment", 4, 100, 7.8, 0.98),
          new StageReport("convert", 1, 100, 0.1, 0.05),
          new StageReport("train", 1, 100, 0.9, 0.45));

  @Test
  void littleDataWaitIsComputeBound() {
    assertThat(Bottleneck.verdict(STAGES, 0.3)).isEqualTo("compute-bound: data wait 0.3%");
  }

  @Test
  void muchDataWaitNamesTheBusiestInputStageWithAdvice() {
    assertThat(Bottleneck.verdict(STAGES, 55))
        .isEqualTo(
            "input-bound: data wait 55.0%; augment busy 98% of the time; add workers or simplify ops");
  }

  @Test
  void muchDataWaitWithNoSaturatedStageAdvisesMoreLookahead() {
    List<StageReport> idle =
        List.of(
            new StageReport("gather", 1, 10, 0.1, 0.1), new StageReport("train", 1, 10, 0.1, 0.1));
    assertThat(Bottleneck.verdict(idle, 40)).contains("no stage is saturated");
  }
}
