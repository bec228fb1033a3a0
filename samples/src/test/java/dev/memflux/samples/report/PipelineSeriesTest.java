package dev.memflux.samples.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memflux.core.tune.TuningReport;
import dev.memflux.train.EpochReport;
import dev.memflux.train.FlightSample;
import dev.memflux.train.StageReport;
import dev.memflux.train.TrainingReport;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.Marker;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.ui.Layer;
import org.junit.jupiter.api.Test;

/** The series the pipeline chart draws, and the epoch marks it draws over them. */
class PipelineSeriesTest {

  /** Two stages sampled every 0.25 s for 3 s, gather at 8 batches/s and train at 4. */
  static Timeline timeline() {
    List<Timeline.Sample> samples = new ArrayList<>();
    for (int i = 0; i <= 12; i++) {
      samples.add(new Timeline.Sample(i * 0.25, new long[] {2L * i, i}));
    }
    return new Timeline(
        List.of("gather", "train"),
        samples,
        List.of(new Timeline.EpochMark(1.25, 1.5), new Timeline.EpochMark(Double.NaN, 3.0)));
  }

  /** Epochs 4 and 5 (a resumed run), three stages, and the batches in flight at three moments. */
  static TrainingReport report() {
    return new TrainingReport(
        List.of(epoch(4), epoch(5)),
        false,
        List.of(
            new StageReport("gather", 1, 24, 1, 0.3),
            new StageReport("augment", 1, 24, 1, 0.3),
            new StageReport("train", 1, 12, 2, 0.7)),
        List.of(
            new FlightSample(0.5, new long[] {2, 1}),
            new FlightSample(1.0, new long[] {3, 0}),
            new FlightSample(1.5, new long[] {1, 4})),
        "compute-bound: data wait 0.1%",
        3.0,
        0.1,
        new TuningReport(
            List.of(
                new TuningReport.Setting(
                    "gather", "prefetch", 2, true, "batches come every 1 ms and go every 2 ms")),
            64L << 20,
            1L << 20,
            "predicted data wait 0.10%, aimed below 0.5%"));
  }

  private static EpochReport epoch(long n) {
    return new EpochReport(n, 6, 300, 1, 0.5, 1, 0.5, 1.2, 0.01, 0.25, Map.of());
  }

  @Test
  void ratesOverAboutASecondInFlightPerPairOfStagesAndEpochsNumberedAsReported() {
    PipelineSeries series = PipelineSeries.of(timeline(), report());

    assertThat(series.rates())
        .extracting(PipelineSeries.RateLine::stage)
        .containsExactly("gather", "train");
    PipelineSeries.RateLine gather = series.rates().get(0);
    assertThat(gather.points()).hasSize(12);
    assertThat(gather.points()).extracting(PipelineSeries.Point::value).containsOnly(8.0);
    assertThat(series.rates().get(1).points())
        .extracting(PipelineSeries.Point::value)
        .containsOnly(4.0);
    assertThat(gather.points().get(11).seconds()).isEqualTo(3.0);

    assertThat(series.inFlight())
        .extracting(l -> l.from() + ">" + l.to())
        .containsExactly("gather>augment", "augment>train");
    assertThat(series.inFlight().get(1).points())
        .containsExactly(
            new PipelineSeries.Point(0.5, 1),
            new PipelineSeries.Point(1.0, 0),
            new PipelineSeries.Point(1.5, 4));

    assertThat(series.epochs())
        .containsExactly(
            new PipelineSeries.EpochSpan(4, new Timeline.EpochMark(1.25, 1.5)),
            new PipelineSeries.EpochSpan(5, new Timeline.EpochMark(Double.NaN, 3.0)));
  }

  @Test
  void thePipelineChartMarksEveryEpochEndAndEachValidationOnBothPlots() {
    JFreeChart chart = Charts.pipeline(PipelineSeries.of(timeline(), report()));

    List<XYPlot> plots = ((CombinedDomainXYPlot) chart.getXYPlot()).getSubplots();
    assertThat(plots).hasSize(2);
    for (XYPlot plot : plots) {
      List<Marker> ends = markers(plot, Layer.FOREGROUND);
      assertThat(ends)
          .allMatch(ValueMarker.class::isInstance)
          .extracting(m -> ((ValueMarker) m).getValue())
          .containsExactly(1.5, 3.0);
      List<Marker> validations = markers(plot, Layer.BACKGROUND);
      assertThat(validations).hasSize(1).allMatch(IntervalMarker.class::isInstance);
      IntervalMarker validation = (IntervalMarker) validations.get(0);
      assertThat(validation.getStartValue()).isEqualTo(1.25);
      assertThat(validation.getEndValue()).isEqualTo(1.5);
    }
    assertThat(markers(plots.get(0), Layer.FOREGROUND))
        .extracting(Marker::getLabel)
        .containsExactly("epoch 5 + validation", "epoch 6");
  }

  @SuppressWarnings("unchecked")
  private static List<Marker> markers(XYPlot plot, Layer layer) {
    Collection<Marker> markers = plot.getDomainMarkers(layer);
    return markers == null ? List.of() : List.copyOf(markers);
  }
}
