package dev.memflux.train;

import dev.memflux.core.stage.StageMeter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Watches the stage meters of one training run: samples the batches in flight between stages
 * periodically, and reports each stage's work since the run started. Counts are taken relative to
 * the start, since a meter may have served earlier runs.
 */
final class PipelineMonitor {

  private final List<StageMeter> stages;
  private final long[] startCompleted;
  private final long[] startBusy;
  private final long startNanos = System.nanoTime();
  private final List<FlightSample> samples = new ArrayList<>();
  private final Disposable sampling;

  /** Starts sampling {@code stages} (upstream first) every {@code interval}. */
  PipelineMonitor(List<StageMeter> stages, Duration interval) {
    this.stages = List.copyOf(stages);
    int n = stages.size();
    startCompleted = new long[n];
    startBusy = new long[n];
    for (int i = 0; i < n; i++) {
      startCompleted[i] = stages.get(i).completed();
      startBusy[i] = stages.get(i).busyNanos();
    }
    sample();
    sampling = Flux.interval(interval, interval).subscribe(tick -> sample());
  }

  private void sample() {
    long[] inFlight = new long[Math.max(0, stages.size() - 1)];
    for (int i = 0; i < inFlight.length; i++) {
      long upstream = stages.get(i).completed() - startCompleted[i];
      long downstream = stages.get(i + 1).completed() - startCompleted[i + 1];
      inFlight[i] = Math.max(0, upstream - downstream);
    }
    FlightSample s = new FlightSample(seconds(), inFlight);
    synchronized (samples) {
      samples.add(s);
    }
  }

  /** Seconds since the run started. */
  double seconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /** Stops sampling, after one last sample. */
  void stop() {
    sampling.dispose();
    sample();
  }

  /** The samples taken so far. */
  List<FlightSample> samples() {
    synchronized (samples) {
      return List.copyOf(samples);
    }
  }

  /** Each stage's work since the start, over {@code wallSeconds}. */
  List<StageReport> stageReports(double wallSeconds) {
    List<StageReport> reports = new ArrayList<>(stages.size());
    for (int i = 0; i < stages.size(); i++) {
      StageMeter m = stages.get(i);
      double busy = (m.busyNanos() - startBusy[i]) / 1e9;
      double capacity = wallSeconds * m.workers();
      reports.add(
          new StageReport(
              m.name(),
              m.workers(),
              m.completed() - startCompleted[i],
              busy,
              capacity > 0 ? Math.min(1, busy / capacity) : 0));
    }
    return reports;
  }
}
