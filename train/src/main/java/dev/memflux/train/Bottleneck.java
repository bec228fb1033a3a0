package dev.memflux.train;

import java.util.List;
import java.util.Locale;

/** Names what limited a training run, from the data wait and the stages' utilization. */
final class Bottleneck {

  /** Below this share of time waiting for data, the trainer itself is the limit. */
  static final double COMPUTE_BOUND_WAIT_PERCENT = 5;

  private Bottleneck() {}

  /**
   * The verdict, such as {@code "input-bound: augment busy 98% of the time; add workers or simplify
   * ops"} or {@code "compute-bound: data wait 0.3%"}.
   *
   * @param stages upstream first, the training step last
   * @param dataWaitPercent share of training time spent waiting for data
   */
  static String verdict(List<StageReport> stages, double dataWaitPercent) {
    if (dataWaitPercent < COMPUTE_BOUND_WAIT_PERCENT || stages.size() < 2) {
      return String.format(Locale.ROOT, "compute-bound: data wait %.1f%%", dataWaitPercent);
    }
    StageReport busiest = stages.get(0);
    for (StageReport s : stages.subList(0, stages.size() - 1)) {
      if (s.utilization() > busiest.utilization()) {
        busiest = s;
      }
    }
    return String.format(
        Locale.ROOT,
        "input-bound: data wait %.1f%%; %s busy %.0f%% of the time; %s",
        dataWaitPercent,
        busiest.name(),
        100 * busiest.utilization(),
        advice(busiest));
  }

  private static String advice(StageReport stage) {
    if (stage.utilization() < 0.5) {
      return "no stage is saturated: raise the loader's prefetch and the batches ahead";
    }
    return switch (stage.name()) {
      case "gather" -> "add gather threads, or put the files on faster storage or in page cache";
      case "augment" -> "add workers or simplify ops";
      case "convert" -> "convert fewer or smaller fields (on a GPU, the copy to the device)";
      default -> "add workers to " + stage.name() + " or make it cheaper";
    };
  }
}
