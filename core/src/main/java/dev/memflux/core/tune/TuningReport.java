package dev.memflux.core.tune;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What a {@link Tuner} chose and why: every knob of the pipeline with its final value, the memory
 * the knobs hold against the budget, and the verdict of the last decision.
 *
 * @param settings every knob, upstream first
 * @param memoryBudget bytes the knobs may hold together
 * @param memoryBytes bytes the knobs hold at their final values
 * @param verdict why the tuner stopped where it did, such as {@code "predicted data wait 0.2%,
 *     aimed below 0.5%"}
 */
public record TuningReport(
    List<Setting> settings, long memoryBudget, long memoryBytes, String verdict) {

  /**
   * One knob's outcome.
   *
   * @param stage the stage it belongs to, such as {@code "gather"}
   * @param knob the option that would fix it, such as {@code "gatherThreads"}
   * @param value its final value
   * @param tuned false when the user set it
   * @param why what decided it, such as {@code "augment does 2.10 ms of work a batch on 1 thread,
   *     the step takes 4.30 ms"}
   */
  public record Setting(String stage, String knob, int value, boolean tuned, String why) {

    /** Checks the names. */
    public Setting {
      Objects.requireNonNull(stage, "stage");
      Objects.requireNonNull(knob, "knob");
      Objects.requireNonNull(why, "why");
    }
  }

  /** Copies the settings in. */
  public TuningReport {
    settings = List.copyOf(settings);
    Objects.requireNonNull(verdict, "verdict");
  }

  /** A report of no tuning: a pipeline without knobs, or tuning turned off. */
  public static TuningReport none(String why) {
    return new TuningReport(List.of(), 0, 0, why);
  }

  /**
   * One line per knob after a headline, for a terminal:
   *
   * <pre>
   * tuning: predicted data wait 0.2%, aimed below 0.5%; knobs hold 2.4 of 256.0 MiB
   *   gather gatherThreads 1 (tuned): gather does 0.09 ms of work a batch on 1 thread, ...
   * </pre>
   */
  public String summary() {
    StringBuilder sb = new StringBuilder("tuning: ").append(verdict);
    if (memoryBudget > 0) {
      sb.append(
          String.format(
              Locale.ROOT,
              "; knobs hold %.1f of %.1f MiB",
              memoryBytes / 1048576.0,
              memoryBudget / 1048576.0));
    }
    for (Setting s : settings) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%n  %s %s %d (%s): %s",
              s.stage(),
              s.knob(),
              s.value(),
              s.tuned() ? "tuned" : "set",
              s.why()));
    }
    return sb.toString();
  }
}
