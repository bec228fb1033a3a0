package dev.memflux.samples.report;

import dev.memflux.core.AtomicFile;
import dev.memflux.samples.job.TrainSettings;
import dev.memflux.train.EpochReport;
import dev.memflux.train.StageReport;
import dev.memflux.train.TrainingReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes the report of a training run into a directory: {@code report.md} (settings, result, the
 * bottleneck verdict, per-epoch and per-stage tables, the charts embedded as images), {@code
 * report.json} (the same figures for machines, {@link ReportJson}) and the {@link Charts} PNGs.
 */
public final class ReportWriter {

  /** The Markdown report's file name. */
  static final String MARKDOWN = "report.md";

  /** The JSON report's file name. */
  static final String JSON = "report.json";

  private static final List<String> CAPTIONS =
      List.of(
          "Loss per epoch",
          "Accuracy per epoch",
          "Loader vs trainer rate and batches in flight over time (dashed: epoch ends; shaded:"
              + " validation)",
          "Data wait per epoch");

  private ReportWriter() {}

  /**
   * Writes the report files into {@code dir}, creating it when needed. Each file appears whole or
   * not at all ({@link AtomicFile}); the charts come first and the Markdown that shows them last,
   * so a report that fails halfway leaves the previous {@code report.md} and {@code report.json}.
   *
   * @return the Markdown report's path
   */
  public static Path write(Path dir, TrainOutcome outcome) throws IOException {
    Files.createDirectories(dir);
    PipelineSeries series = PipelineSeries.of(outcome.timeline(), outcome.report());
    List<String> charts = Charts.write(dir, outcome.report(), series);
    AtomicFile.writeString(dir.resolve(JSON), ReportJson.of(outcome, series, charts) + "\n");
    Path markdown = dir.resolve(MARKDOWN);
    AtomicFile.writeString(markdown, markdown(outcome, charts));
    return markdown;
  }

  private static String markdown(TrainOutcome outcome, List<String> charts) {
    TrainSettings s = outcome.settings();
    TrainingReport report = outcome.report();
    TrainSummary summary = TrainSummary.of(outcome);
    StringBuilder md = new StringBuilder();
    md.append("# memflux train: ").append(s.model()).append("\n\n");
    md.append(outcome.dataset()).append("\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "**Result:** test loss %.4f, test accuracy %.4f after epoch %d; %.0f samples/s; data"
                + " wait %.1f%%; %.1f s.%n%n",
            summary.testLoss(),
            summary.testAccuracy(),
            report.lastEpoch().epoch() + 1,
            summary.samplesPerSecond(),
            summary.dataWaitPercent(),
            summary.seconds()));
    md.append("**Bottleneck:** ").append(report.bottleneck()).append("\n\n");

    md.append("## Settings\n\n| setting | value |\n| --- | --- |\n");
    for (String[] row : settings(outcome)) {
      md.append("| ").append(row[0]).append(" | ").append(row[1]).append(" |\n");
    }

    md.append("\n## Epochs\n\n");
    md.append(
        "| epoch | loss | train acc | test loss | test acc | samples/s | data wait | train s |"
            + " validation s |\n");
    md.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (EpochReport e : report.epochs()) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %d | %.4f | %.4f | %.4f | %.4f | %.0f | %.1f%% | %.1f | %.1f |%n",
              e.epoch() + 1,
              e.loss(),
              e.trainAccuracy(),
              e.validationLoss(),
              e.validationAccuracy(),
              e.samplesPerSecond(),
              e.dataWaitPercent(),
              e.seconds(),
              e.validationSeconds()));
    }

    md.append("\n## Pipeline stages\n\n");
    md.append("| stage | workers | batches | busy s | utilization |\n");
    md.append("| --- | ---: | ---: | ---: | ---: |\n");
    for (StageReport st : report.stages()) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %d | %.1f | %.0f%% |%n",
              st.name(),
              st.workers(),
              st.batches(),
              st.busySeconds(),
              100 * st.utilization()));
    }

    md.append("\n## Charts\n");
    for (int i = 0; i < charts.size(); i++) {
      md.append("\n![").append(CAPTIONS.get(i)).append("](").append(charts.get(i)).append(")\n");
    }
    return md.toString();
  }

  private static String size(int setting) {
    return setting == TrainSettings.TUNED ? "tuned" : Integer.toString(setting);
  }

  /** The settings as (name, value) rows. */
  private static List<String[]> settings(TrainOutcome outcome) {
    TrainSettings s = outcome.settings();
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"model", s.model()});
    rows.add(new String[] {"epochs", Integer.toString(s.epochs())});
    rows.add(new String[] {"first epoch", Long.toString(outcome.firstEpoch() + 1)});
    rows.add(new String[] {"batch size", Integer.toString(s.batchSize())});
    rows.add(new String[] {"learning rate (Adam)", Float.toString(s.learningRate())});
    rows.add(new String[] {"augment", Boolean.toString(s.augment())});
    rows.add(new String[] {"workers", size(s.workers())});
    rows.add(new String[] {"prefetch", size(s.prefetch())});
    rows.add(new String[] {"seed", Long.toString(s.seed())});
    rows.add(new String[] {"input mean", floats(outcome.stats().mean())});
    rows.add(new String[] {"input std", floats(outcome.stats().std())});
    rows.add(new String[] {"checkpoint", s.checkpoint() == null ? "-" : s.checkpoint().toString()});
    rows.add(new String[] {"resumed from", s.resume() == null ? "-" : s.resume().toString()});
    return rows;
  }

  private static String floats(float[] values) {
    StringBuilder sb = new StringBuilder();
    for (float v : values) {
      sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", v));
    }
    return sb.toString();
  }
}
