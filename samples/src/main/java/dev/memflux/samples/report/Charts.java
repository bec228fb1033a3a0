package dev.memflux.samples.report;

import dev.memflux.core.AtomicFile;
import dev.memflux.train.EpochReport;
import dev.memflux.train.TrainingReport;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Stroke;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYIntervalSeries;
import org.jfree.data.xy.XYIntervalSeriesCollection;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws the charts of a training report as PNG files with JFreeChart: loss and accuracy per epoch,
 * each stage's rate and the batches in flight over time (with each epoch's end and validation
 * marked), and the data wait per epoch.
 */
final class Charts {

  /** Training and test loss per epoch. */
  static final String LOSS = "loss.png";

  /** Training and test accuracy per epoch. */
  static final String ACCURACY = "accuracy.png";

  /** Batches per second of each stage, and batches in flight between stages, over time. */
  static final String PIPELINE = "pipeline.png";

  /** Share of training time spent waiting for data, per epoch. */
  static final String DATA_WAIT = "data-wait.png";

  private static final int WIDTH = 900;
  private static final int HEIGHT = 480;
  private static final Color EPOCH_END = new Color(0x555555);
  private static final Color VALIDATION = new Color(0x2ca02c);
  private static final Stroke DASHED =
      new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {4f}, 0f);
  private static final Font MARKER_LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
  private static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
    new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)
  };
  // The in-flight series get colours of their own: they share the legend with the rates.
  private static final int IN_FLIGHT_COLOURS = 3;
  private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);

  private Charts() {}

  /**
   * Writes the four charts into {@code dir}.
   *
   * @return the file names written, in the order the report shows them
   */
  static List<String> write(Path dir, TrainingReport report, PipelineSeries series)
      throws IOException {
    // Charts are drawn off-screen: AWT must not look for a display, which servers do not have.
    System.setProperty("java.awt.headless", "true");
    save(
        dir,
        LOSS,
        perEpoch(
            report,
            "Loss per epoch",
            "mean cross-entropy",
            "train",
            EpochReport::loss,
            "test",
            EpochReport::validationLoss));
    save(
        dir,
        ACCURACY,
        perEpoch(
            report,
            "Accuracy per epoch",
            "accuracy",
            "train",
            EpochReport::trainAccuracy,
            "test",
            EpochReport::validationAccuracy));
    save(dir, PIPELINE, pipeline(series));
    save(dir, DATA_WAIT, dataWait(report));
    return List.of(LOSS, ACCURACY, PIPELINE, DATA_WAIT);
  }

  private static JFreeChart perEpoch(
      TrainingReport report,
      String title,
      String yLabel,
      String name1,
      ToDoubleFunction<EpochReport> value1,
      String name2,
      ToDoubleFunction<EpochReport> value2) {
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(epochSeries(report, name1, value1));
    data.addSeries(epochSeries(report, name2, value2));
    NumberAxis x = epochAxis();
    NumberAxis y = new NumberAxis(yLabel);
    y.setAutoRangeIncludesZero(false);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    style(renderer, 2);
    return chart(title, new XYPlot(data, x, y, renderer));
  }

  private static XYSeries epochSeries(
      TrainingReport report, String name, ToDoubleFunction<EpochReport> value) {
    XYSeries series = new XYSeries(name);
    for (EpochReport e : report.epochs()) {
      double v = value.applyAsDouble(e);
      if (Double.isFinite(v)) {
        series.add((double) (e.epoch() + 1), v);
      }
    }
    return series;
  }

  /**
   * Rates on top, batches in flight below, on one time axis; each epoch's end is a dashed line and
   * its validation a shaded span, on both.
   */
  static JFreeChart pipeline(PipelineSeries series) {
    CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("seconds since start"));
    plot.setGap(12);
    XYPlot rates = ratePlot(series.rates());
    XYPlot inFlight = inFlightPlot(series.inFlight());
    markEpochs(rates, series.epochs(), true);
    markEpochs(inFlight, series.epochs(), false);
    plot.add(rates, 3);
    plot.add(inFlight, 2);
    return chart("Loader vs trainer: batches per second and batches in flight", plot);
  }

  private static XYPlot ratePlot(List<PipelineSeries.RateLine> lines) {
    XYSeriesCollection data = new XYSeriesCollection();
    for (PipelineSeries.RateLine line : lines) {
      data.addSeries(series(rateLabel(line.stage()), line.points()));
    }
    NumberAxis y = new NumberAxis("batches / s");
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    style(renderer, 1.5f);
    return new XYPlot(data, null, y, renderer);
  }

  private static XYSeries series(String name, List<PipelineSeries.Point> points) {
    XYSeries series = new XYSeries(name);
    for (PipelineSeries.Point p : points) {
      series.add(p.seconds(), p.value());
    }
    return series;
  }

  private static String rateLabel(String stage) {
    return switch (stage) {
      case "gather" -> "loader (gather)";
      case "train" -> "trainer (steps)";
      default -> stage;
    };
  }

  private static XYPlot inFlightPlot(List<PipelineSeries.FlightLine> lines) {
    XYSeriesCollection data = new XYSeriesCollection();
    for (PipelineSeries.FlightLine line : lines) {
      data.addSeries(series(line.from() + " \u2192 " + line.to(), line.points()));
    }
    NumberAxis y = new NumberAxis("batches in flight");
    y.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    XYStepRenderer renderer = new XYStepRenderer();
    style(renderer, 1.5f, IN_FLIGHT_COLOURS);
    return new XYPlot(data, null, y, renderer);
  }

  /** Epoch ends as dashed lines, validations as shaded spans; labelled on the top plot only. */
  private static void markEpochs(
      XYPlot plot, List<PipelineSeries.EpochSpan> epochs, boolean label) {
    for (PipelineSeries.EpochSpan e : epochs) {
      Timeline.EpochMark mark = e.mark();
      if (mark.validated()) {
        IntervalMarker validation = new IntervalMarker(mark.validationStart(), mark.end());
        validation.setPaint(VALIDATION);
        validation.setAlpha(0.15f);
        plot.addDomainMarker(validation, Layer.BACKGROUND);
      }
      ValueMarker end = new ValueMarker(mark.end(), EPOCH_END, DASHED);
      if (label) {
        end.setLabel("epoch " + (e.epoch() + 1) + (mark.validated() ? " + validation" : ""));
        end.setLabelFont(MARKER_LABEL);
        end.setLabelAnchor(RectangleAnchor.TOP_LEFT);
        end.setLabelTextAnchor(TextAnchor.TOP_RIGHT);
      }
      plot.addDomainMarker(end, Layer.FOREGROUND);
    }
  }

  private static JFreeChart dataWait(TrainingReport report) {
    XYIntervalSeries series = new XYIntervalSeries("data wait");
    for (EpochReport e : report.epochs()) {
      double x = e.epoch() + 1;
      double wait = e.dataWaitPercent();
      series.add(x, x - 0.35, x + 0.35, wait, 0, wait);
    }
    XYIntervalSeriesCollection data = new XYIntervalSeriesCollection();
    data.addSeries(series);
    NumberAxis y = new NumberAxis("% of training time waiting for data");
    // A tiny wait should look tiny: never zoom in below a 5% scale.
    y.setAutoRangeMinimumSize(5);
    XYBarRenderer renderer = new XYBarRenderer();
    renderer.setSeriesPaint(0, PALETTE[0]);
    renderer.setShadowVisible(false);
    renderer.setBarPainter(new StandardXYBarPainter());
    JFreeChart chart = chart("Data wait per epoch", new XYPlot(data, epochAxis(), y, renderer));
    chart.removeLegend();
    return chart;
  }

  private static NumberAxis epochAxis() {
    NumberAxis x = new NumberAxis("epoch");
    x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    x.setAutoRangeIncludesZero(false);
    // Half an epoch of margin, so the first and last points and bars are not cut at the edges.
    x.setLowerMargin(0.1);
    x.setUpperMargin(0.1);
    return x;
  }

  private static void style(XYLineAndShapeRenderer renderer, float width) {
    style(renderer, width, 0);
  }

  private static void style(XYLineAndShapeRenderer renderer, float width, int firstColour) {
    for (int i = 0; i < PALETTE.length; i++) {
      renderer.setSeriesPaint(i, PALETTE[(firstColour + i) % PALETTE.length]);
      renderer.setSeriesStroke(i, new BasicStroke(width));
    }
  }

  private static JFreeChart chart(String title, XYPlot plot) {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    if (plot instanceof CombinedDomainXYPlot combined) {
      for (XYPlot sub : combined.getSubplots()) {
        sub.setBackgroundPaint(Color.WHITE);
        sub.setDomainGridlinePaint(Color.LIGHT_GRAY);
        sub.setRangeGridlinePaint(Color.LIGHT_GRAY);
      }
    }
    JFreeChart chart = new JFreeChart(title, TITLE, plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    return chart;
  }

  /** Saves {@code chart} as the PNG {@code dir/name}, which appears whole or not at all. */
  private static void save(Path dir, String name, JFreeChart chart) throws IOException {
    // Encoded in memory (tens of kB) first: ImageIO's write errors do not name the file, while
    // AtomicFile's name it and the cause ("No space left on device").
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ChartUtils.writeChartAsPNG(png, chart, WIDTH, HEIGHT);
    AtomicFile.write(dir.resolve(name), png.toByteArray());
  }
}
