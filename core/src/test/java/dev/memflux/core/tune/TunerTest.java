package dev.memflux.core.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memflux.core.stage.StageMeter;
import dev.memflux.core.tune.SimulatedPipeline.Costs;
import dev.memflux.core.tune.SimulatedPipeline.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The tuner on simulated stage costs ({@link SimulatedPipeline}): started from memflux's defaults,
 * it ends within 5% of the throughput of the best fixed setting a grid search finds, and the knobs
 * never hold more memory than the budget.
 */
class TunerTest {

  private static final long BATCH = 128 * 784 * 4;
  private static final long BUDGET = 64L << 20;
  private static final double QUARTER = 0.25;

  /** A pipeline's costs, processors and budget, with the grid of fixed settings to beat. */
  record Scenario(
      String name,
      Costs costs,
      int processors,
      long batchBytes,
      long budget,
      int[] gatherThreads,
      int[] prefetch,
      int[] parallelism,
      int[] batchesAhead) {

    @Override
    public String toString() {
      return name;
    }
  }

  /** A scenario with 400 KB batches, a 64 MiB budget and the usual grid. */
  private static Scenario usual(String name, Costs costs, int processors, int... parallelism) {
    return new Scenario(
        name,
        costs,
        processors,
        BATCH,
        BUDGET,
        new int[] {1, 2, 4},
        new int[] {1, 4, 16},
        parallelism,
        new int[] {2, 4, 8, 16});
  }

  static Stream<Arguments> scenarios() {
    return Stream.of(
            // the MLP with --augment on two processors: the step is the limit, a thread is enough
            usual("mlp-augment", new Costs(0.1, false, 2.5, 5, 0.5), 2, 1, 2, 4),
            // augmentation heavier than the step: it needs most of four processors
            usual("heavy-augment", new Costs(0.2, false, 12, 4, 0.5), 4, 1, 2, 3, 4),
            // augmentation heavier than the step on two processors: the pipeline is the limit
            usual("input-bound", new Costs(0.1, false, 9, 4, 0.5), 2, 1, 2, 3, 4),
            // out of core: 20 ms of device time a batch, a step of 4 ms: many reads in flight
            new Scenario(
                "out-of-core",
                new Costs(20, true, 1, 4, 0.5),
                2,
                BATCH,
                BUDGET,
                new int[] {1, 2, 4, 8, 16},
                new int[] {4, 16},
                new int[] {1, 2},
                new int[] {4, 8, 16}),
            // 1 MB batches, an 8 MB budget: the buffers are what the budget allows
            new Scenario(
                "tight-budget",
                new Costs(0.2, false, 3, 4, 0.8),
                2,
                1 << 20,
                8L << 20,
                new int[] {1, 2, 4},
                new int[] {1, 2, 4},
                new int[] {1, 2, 4},
                new int[] {2, 3, 4, 6}))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void convergesNearTheBestFixedSettingOfAGridWithinTheBudget(Scenario s) {
    double best = 0;
    Settings bestSettings = null;
    for (int g : s.gatherThreads()) {
      for (int p : s.prefetch()) {
        for (int a : s.parallelism()) {
          for (int b : s.batchesAhead()) {
            Settings fixed = new Settings(g, p, a, b, s.batchBytes());
            if ((g + p + b) * s.batchBytes() + a * (s.batchBytes() / 64) > s.budget()) {
              continue;
            }
            SimulatedPipeline pipeline =
                SimulatedPipeline.fixed(s.costs(), s.processors(), fixed, 7);
            pipeline.run(1);
            double rate = rate(pipeline, 7);
            if (rate > best) {
              best = rate;
              bestSettings = fixed;
            }
          }
        }
      }
    }

    // from memflux's defaults, and from every knob's minimum
    for (Settings start :
        List.of(
            new Settings(1, 4, s.processors(), 8, s.batchBytes()),
            new Settings(1, 1, 1, 2, s.batchBytes()))) {
      SimulatedPipeline tuned = SimulatedPipeline.tunable(s.costs(), s.processors(), start, 7);
      Tuner tuner = new Tuner(tuned.meters(), s.budget(), s.processors() - 1);
      tuner.start(tuned.nanos());
      assertThat(tuner.memoryBytes()).isLessThanOrEqualTo(s.budget());
      tune(tuned, tuner, 40, s.budget());
      double rate = rate(tuned, 10);

      String chosen = tuner.report().summary();
      System.out.printf(
          "%s from %s: tuned %.0f batches/s, best of the grid %.0f (%s)%n%s%n",
          s, start, rate, best, bestSettings, chosen);
      assertThat(rate).as("%s%nbest fixed: %s", chosen, bestSettings).isGreaterThan(0.95 * best);
    }
  }

  /**
   * Runs {@code pipeline} for {@code seconds}, {@code tuner} deciding every quarter second, and
   * checks the knobs' memory against the budget each time.
   *
   * @return how many updates changed a knob
   */
  private static int tune(SimulatedPipeline pipeline, Tuner tuner, double seconds, long budget) {
    int changes = 0;
    for (int i = 0; i < seconds / QUARTER; i++) {
      pipeline.run(QUARTER);
      changes += tuner.update(pipeline.nanos(), pipeline.waitNanos()) ? 1 : 0;
      assertThat(tuner.memoryBytes())
          .as("memory after %s s", i * QUARTER)
          .isLessThanOrEqualTo(budget);
    }
    return changes;
  }

  /** Training steps per second over the next {@code seconds}. */
  private static double rate(SimulatedPipeline pipeline, double seconds) {
    long before = pipeline.steps();
    pipeline.run(seconds);
    return (pipeline.steps() - before) / seconds;
  }

  @Test
  void leavesTheKnobsTheUserSetAsTheyAre() {
    SimulatedPipeline pipeline =
        SimulatedPipeline.fixed(
            new Costs(0.2, false, 12, 4, 0.5), 4, new Settings(2, 3, 1, 5, BATCH), 1);
    Tuner tuner = new Tuner(pipeline.meters(), BUDGET, 3);
    tuner.start(pipeline.nanos());
    assertThat(tune(pipeline, tuner, 10, BUDGET)).isZero();

    assertThat(List.of(pipeline.gatherThreads, pipeline.prefetch, pipeline.parallelism))
        .extracting(Knob::value)
        .containsExactly(2, 3, 1);
    assertThat(pipeline.batchesAhead.value()).isEqualTo(5);
    assertThat(tuner.report().settings())
        .allSatisfy(
            setting -> {
              assertThat(setting.tuned()).isFalse();
              assertThat(setting.why()).isEqualTo("set by you");
            });
  }

  @Test
  void theStartingValuesAreBroughtWithinTheBudgetBeforeAnythingRuns() {
    SimulatedPipeline pipeline =
        SimulatedPipeline.tunable(
            new Costs(0.1, false, 2.5, 5, 0.5), 2, new Settings(1, 4, 2, 8, 1 << 20), 1);
    Tuner tuner = new Tuner(pipeline.meters(), 6L << 20, 1);

    tuner.start(pipeline.nanos());

    assertThat(tuner.memoryBytes()).isLessThanOrEqualTo(6L << 20);
    // buffers gave way first, the gather thread stayed
    assertThat(pipeline.gatherThreads.value()).isEqualTo(1);
    assertThat(pipeline.prefetch.value() + pipeline.batchesAhead.value()).isLessThanOrEqualTo(5);
  }

  @Test
  void aStageThatLearnsItsBatchSizeLateIsBroughtWithinTheBudgetAtOnce() {
    Knob ahead = Knob.tunable("batchesAhead", Knob.Kind.BUFFER, 8, 2, 64);
    Tuner tuner =
        new Tuner(
            List.of(new StageMeter("gather", 1), new StageMeter("train", 1, ahead)), 3L << 20, 1);
    tuner.start(0);

    ahead.bytesPerUnit(1 << 20);

    assertThat(ahead.value()).isEqualTo(3);
    assertThat(tuner.memoryBytes()).isEqualTo(3L << 20);
  }

  @Test
  void theReportSaysWhatWasChosenAndWhy() {
    SimulatedPipeline pipeline =
        SimulatedPipeline.tunable(
            new Costs(0.1, false, 2.5, 5, 0.5), 2, new Settings(1, 4, 2, 8, BATCH), 3);
    Tuner tuner = new Tuner(pipeline.meters(), BUDGET, 1);
    tuner.start(pipeline.nanos());
    assertThat(tuner.report().verdict()).startsWith("no decision yet");

    tune(pipeline, tuner, 10, BUDGET);
    TuningReport report = tuner.report();

    assertThat(report.verdict())
        .matches(
            "predicted data wait [0-9.]+% \\(measured [0-9.]+% since the decision before\\),"
                + " aimed below 0.5%");
    assertThat(report.settings())
        .extracting(TuningReport.Setting::knob)
        .containsExactly("gatherThreads", "prefetch", "parallelism", "batchesAhead");
    assertThat(report.settings()).allSatisfy(setting -> assertThat(setting.tuned()).isTrue());
    TuningReport.Setting augment = report.settings().get(2);
    assertThat(augment.why())
        .matches(
            "in 1\\.\\.8: augment does [0-9.]+ ms of work a batch on 1 thread\\(s\\),"
                + " the step takes [0-9.]+ ms");
    assertThat(report.summary())
        .startsWith("tuning: predicted data wait")
        .contains("knobs hold", "of 64.0 MiB", "\n  augment parallelism 1 (tuned): in 1..8");
  }

  @Test
  void aSlowProducerMakesTheConsumerWaitTheDifferenceAndBuffersHideAFastOnesVariation() {
    // producer 2 ms, consumer 1 ms: whatever the buffer, about 1 ms a batch
    assertThat(WaitModel.bufferWait(2, 1, 64))
        .isCloseTo(1, org.assertj.core.data.Offset.offset(1e-9));
    // producer twice as fast as the consumer: each batch of buffer halves the wait
    double one = WaitModel.bufferWait(1, 2, 1);
    double four = WaitModel.bufferWait(1, 2, 4);
    assertThat(four).isLessThan(one / 6).isPositive();
    assertThat(WaitModel.bufferWait(0, 2, 1)).isZero();
    assertThat(WaitModel.bufferWait(1, 1, 3)).isEqualTo(0.25);
  }

  @Test
  void badArgumentsAreRefusedNamingTheValue() {
    StageMeter one = new StageMeter("gather", 1);
    assertThatThrownBy(() -> new Tuner(List.of(one), BUDGET, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one stage and a consumer");
    assertThatThrownBy(() -> new Tuner(List.of(one, one), -1, 1))
        .hasMessage("memoryBudget must be >= 0, was -1");
    assertThatThrownBy(() -> new Tuner(List.of(one, one), BUDGET, 0))
        .hasMessage("cpus must be >= 1, was 0");
    assertThatThrownBy(() -> Knob.tunable("prefetch", Knob.Kind.BUFFER, 9, 1, 8))
        .hasMessage("prefetch: needs 1 <= min <= value <= max, was 1 <= 9 <= 8");
    List<Knob> two = new ArrayList<>();
    two.add(Knob.fixed("a", Knob.Kind.THREADS, 1));
    two.add(Knob.fixed("b", Knob.Kind.READS, 1));
    assertThatThrownBy(() -> new StageMeter("gather", 1, two.toArray(new Knob[0])))
        .hasMessageStartingWith("gather: at most one knob of threads (or reads)");
  }
}
