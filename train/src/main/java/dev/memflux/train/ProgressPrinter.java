package dev.memflux.train;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows training progress: on a terminal a bar redrawn in place during each epoch; otherwise (a
 * pipe, a log file, a test) a plain line at each quarter of the epoch, so logs stay short and
 * readable. Either way each epoch ends with one summary line.
 *
 * <pre>
 * epoch 2/5 [#####---------]  38% 178/469  15234 samples/s  loss 0.4321  data wait 0.5%
 * epoch 2/5: loss 0.4012, train acc 0.8531, test loss 0.4170, test acc 0.8497, 15102 samples/s,
 *   data wait 0.6%, 3.9 s
 * </pre>
 *
 * <p>An epoch's line shows the figures that were measured: accuracies only when an accuracy
 * evaluator ran (a regression has none), test figures only when there was validation.
 */
final class ProgressPrinter {

  /**
   * Where an epoch stands.
   *
   * @param epoch the epoch, from 0
   * @param epochs epochs of the whole run
   * @param batch batches of the epoch done, counting any done before a resume
   * @param batches batches in a full epoch
   * @param samples samples trained in this epoch by this run
   * @param seconds training time of this epoch so far, data wait included
   * @param waitSeconds the part of {@code seconds} spent waiting for data
   * @param loss mean training loss of this epoch so far
   */
  record Progress(
      long epoch,
      long epochs,
      long batch,
      long batches,
      long samples,
      double seconds,
      double waitSeconds,
      double loss) {

    double samplesPerSecond() {
      return seconds > 0 ? samples / seconds : 0;
    }

    double waitPercent() {
      return seconds > 0 ? 100 * waitSeconds / seconds : 0;
    }
  }

  private static final int BAR_WIDTH = 14;
  private static final long REDRAW_NANOS = 100_000_000L;

  private final PrintWriter out;
  private final boolean terminal;
  private long lastDraw;
  private int lastQuarter;
  private int barLength;

  /**
   * @param out where to print
   * @param terminal true to redraw a bar in place, false for plain lines
   */
  ProgressPrinter(PrintWriter out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** A batch was trained. */
  void batch(Progress p) {
    if (terminal) {
      long now = System.nanoTime();
      // Redrawing on every batch would cost more than small MLP steps do.
      if (now - lastDraw >= REDRAW_NANOS || p.batch() >= p.batches()) {
        lastDraw = now;
        String bar = bar(p);
        out.print("\r" + bar + " ".repeat(Math.max(0, barLength - bar.length())));
        out.flush();
        barLength = bar.length();
      }
      return;
    }
    int quarter = (int) (4 * p.batch() / Math.max(1, p.batches()));
    if (quarter > lastQuarter && quarter < 4) {
      lastQuarter = quarter;
      out.println(
          String.format(
              Locale.ROOT,
              "epoch %d/%d: %3d%% (%d/%d batches), %.0f samples/s, loss %.4f, data wait %.1f%%",
              p.epoch() + 1,
              p.epochs(),
              percent(p),
              p.batch(),
              p.batches(),
              p.samplesPerSecond(),
              p.loss(),
              p.waitPercent()));
      out.flush();
    }
  }

  /**
   * The epoch ended and was validated; each figure is {@code NaN} when it was not measured, and is
   * then left out.
   */
  void epochEnd(
      Progress p, double loss, double trainAccuracy, double testLoss, double testAccuracy) {
    if (terminal && barLength > 0) {
      out.print("\r" + " ".repeat(barLength) + "\r");
    }
    barLength = 0;
    lastQuarter = 0;
    StringBuilder line =
        new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d:", p.epoch() + 1, p.epochs()));
    figure(line, "loss", loss);
    figure(line, "train acc", trainAccuracy);
    figure(line, "test loss", testLoss);
    figure(line, "test acc", testAccuracy);
    line.append(
        String.format(
            Locale.ROOT,
            " %.0f samples/s, data wait %.1f%%, %.1f s",
            p.samplesPerSecond(),
            p.waitPercent(),
            p.seconds()));
    out.println(line);
    out.flush();
  }

  private static void figure(StringBuilder line, String name, double value) {
    if (!Double.isNaN(value)) {
      line.append(String.format(Locale.ROOT, " %s %.4f,", name, value));
    }
  }

  private static String bar(Progress p) {
    int filled = (int) Math.min(BAR_WIDTH, BAR_WIDTH * p.batch() / Math.max(1, p.batches()));
    return String.format(
        Locale.ROOT,
        "epoch %d/%d [%s%s] %3d%% %d/%d  %.0f samples/s  loss %.4f  data wait %.1f%%",
        p.epoch() + 1,
        p.epochs(),
        "#".repeat(filled),
        "-".repeat(BAR_WIDTH - filled),
        percent(p),
        p.batch(),
        p.batches(),
        p.samplesPerSecond(),
        p.loss(),
        p.waitPercent());
  }

  private static long percent(Progress p) {
    return 100 * p.batch() / Math.max(1, p.batches());
  }
}
