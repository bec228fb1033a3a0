package dev.memflux.samples.report;

import dev.memflux.train.FlightSample;
import dev.memflux.train.StageReport;
import dev.memflux.train.TrainingReport;
import java.util.ArrayList;
import java.util.List;

/**
 * The series of the pipeline chart, computed once for the chart and for {@code report.json}, so
 * that the chart can be redrawn from the JSON: each sampled stage's rate in batches per second, the
 * batches in flight between consecutive stages, and each epoch's end and validation.
 *
 * @param rates per sampled stage, its rate over a window of about {@link #RATE_WINDOW_SECONDS}
 * @param inFlight per pair of consecutive stages of the training report, the batches between them
 * @param epochs the epochs of the report, with when each ended and was validated
 */
record PipelineSeries(List<RateLine> rates, List<FlightLine> inFlight, List<EpochSpan> epochs) {

  /**
   * The window of the rates, in seconds. The sampler ticks every 250 ms; a rate over one tick jumps
   * with every batch boundary.
   */
  static final double RATE_WINDOW_SECONDS = 1.0;

  PipelineSeries {
    rates = List.copyOf(rates);
    inFlight = List.copyOf(inFlight);
    epochs = List.copyOf(epochs);
  }

  /** A value at a time, in seconds since the run started. */
  record Point(double seconds, double value) {}

  /** A stage's finished batches per second over time. */
  record RateLine(String stage, List<Point> points) {

    RateLine {
      points = List.copyOf(points);
    }
  }

  /** Batches finished by stage {@code from} and not yet by stage {@code to}, over time. */
  record FlightLine(String from, String to, List<Point> points) {

    FlightLine {
      points = List.copyOf(points);
    }
  }

  /**
   * One epoch's place on the time axis.
   *
   * @param epoch the epoch number, from 0
   * @param mark when it ended and was validated
   */
  record EpochSpan(long epoch, Timeline.EpochMark mark) {}

  /** The series of a run that recorded {@code timeline} and reported {@code report}. */
  static PipelineSeries of(Timeline timeline, TrainingReport report) {
    return new PipelineSeries(rates(timeline), inFlight(report), epochs(timeline, report));
  }

  private static List<RateLine> rates(Timeline timeline) {
    List<Timeline.Sample> samples = timeline.samples();
    List<RateLine> lines = new ArrayList<>();
    for (int stage = 0; stage < timeline.stages().size(); stage++) {
      List<Point> points = new ArrayList<>();
      int from = 0;
      for (int i = 1; i < samples.size(); i++) {
        Timeline.Sample now = samples.get(i);
        while (now.seconds() - samples.get(from).seconds() > RATE_WINDOW_SECONDS) {
          from++;
        }
        Timeline.Sample then = samples.get(Math.min(from, i - 1));
        double dt = now.seconds() - then.seconds();
        if (dt > 0) {
          double batches = now.completed()[stage] - then.completed()[stage];
          points.add(new Point(now.seconds(), batches / dt));
        }
      }
      lines.add(new RateLine(timeline.stages().get(stage), points));
    }
    return lines;
  }

  private static List<FlightLine> inFlight(TrainingReport report) {
    List<StageReport> stages = report.stages();
    List<FlightLine> lines = new ArrayList<>();
    for (int gap = 0; gap + 1 < stages.size(); gap++) {
      List<Point> points = new ArrayList<>();
      for (FlightSample s : report.inFlight()) {
        points.add(new Point(s.seconds(), s.inFlight()[gap]));
      }
      lines.add(new FlightLine(stages.get(gap).name(), stages.get(gap + 1).name(), points));
    }
    return lines;
  }

  /** The recorded epoch ends, in order, numbered as the report numbers the epochs. */
  private static List<EpochSpan> epochs(Timeline timeline, TrainingReport report) {
    List<EpochSpan> spans = new ArrayList<>();
    int n = Math.min(timeline.epochs().size(), report.epochs().size());
    for (int i = 0; i < n; i++) {
      spans.add(new EpochSpan(report.epochs().get(i).epoch(), timeline.epochs().get(i)));
    }
    return spans;
  }
}
