package dev.memflux.train;

import ai.djl.training.Trainer;
import ai.djl.training.listener.EvaluatorTrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import dev.memflux.core.stage.StageMeter;
import java.io.Console;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Map;
import java.util.Objects;

/**
 * Shows training progress as a DJL listener, for {@link Training#fit} and DJL's own loops alike:
 * during each epoch its position, samples/s, running loss and data wait (a bar redrawn in place on
 * a terminal, otherwise a line at each quarter of the epoch), and at each epoch end one summary
 * line with the losses and, when an accuracy evaluator ran, the accuracies.
 *
 * <pre>{@code
 * ProgressListener progress = ProgressListener.builder(5, loader.batchesPerEpoch()).build();
 * DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
 *     .addEvaluator(new Accuracy())
 *     .addTrainingListeners(TrainingListener.Defaults.basic())
 *     .addTrainingListeners(progress);                 // after the defaults
 * // epoch 2/5 [#####---------]  38% 178/469  15234 samples/s  loss 0.4321  data wait 0.5%
 * // epoch 2/5: loss 0.4012, train acc 0.8531, test loss 0.4170, test acc 0.8497, 15102 samples/s,
 * //   data wait 0.6%, 3.9 s
 * }</pre>
 *
 * <p>Register it after {@code TrainingListener.Defaults}, so the evaluator listener has updated the
 * loss and closed the epoch when this one reads them. It times the steps through the trainer's
 * {@link ai.djl.metric.Metrics}, which it installs when the trainer is made (DJL reports the start
 * of each forward pass and the end of each optimizer step there, and a listener sees neither):
 * replacing them with {@code trainer.setMetrics} stops the timing. The time from the end of one
 * step to the start of the next forward pass is the data wait, as {@link Training#fit} counts it.
 * Its clock starts when the trainer is made. All calls come from the training thread.
 */
public final class ProgressListener extends TrainingListenerAdapter {

  private final StepClock clock = new StepClock();
  private final ProgressPrinter printer;
  private final long epochs;
  private final long batchesPerEpoch;
  private long epoch;
  private long batch;
  private long samples;

  private ProgressListener(Builder b) {
    this.printer = new ProgressPrinter(b.out, b.redraw);
    this.epoch = b.firstEpoch;
    this.epochs = b.epochs;
    this.batchesPerEpoch = b.batchesPerEpoch;
  }

  /**
   * Starts a listener for a run of {@code epochs} epochs of {@code batchesPerEpoch} batches each
   * (such as {@code loader.batchesPerEpoch()}), printing to {@code System.out}.
   */
  public static Builder builder(long epochs, long batchesPerEpoch) {
    return new Builder(epochs, batchesPerEpoch);
  }

  /**
   * Training steps finished, each timed from its forward pass to the end of its optimizer step: the
   * trainer's stage, to chart beside the loader's and the augmentation's meters.
   */
  public StageMeter stepMeter() {
    return clock.meter();
  }

  /**
   * Seconds the trainer has waited for data since it was made, over every epoch so far; may be read
   * from any thread (for {@link PipelineMetrics}).
   */
  public double dataWaitSeconds() {
    return clock.waitSeconds();
  }

  /** Installs the step clock as the trainer's metrics, unless it has some, and starts it. */
  @Override
  public void onTrainingBegin(Trainer trainer) {
    if (trainer.getMetrics() == null) {
      trainer.setMetrics(clock);
    }
    clock.startEpoch();
  }

  @Override
  public void onTrainingBatch(Trainer trainer, BatchData batchData) {
    // The batch's progress is its position in the epoch, so a run resumed mid-epoch counts on.
    batch = batchData.getBatch().getProgress() + 1;
    samples += batchData.getBatch().getSize();
    float loss = trainer.getLoss().getAccumulator(EvaluatorTrainingListener.TRAIN_EPOCH);
    printer.batch(progress(loss, clock.epochSecondsInStep()));
  }

  @Override
  public void onEpoch(Trainer trainer) {
    Map<String, Float> evaluations = trainer.getTrainingResult().getEvaluations();
    double loss = value(evaluations, "train_loss");
    printer.epochEnd(
        // validation ran since the last step: the epoch's time ends with that step
        progress(loss, clock.epochSeconds()),
        loss,
        value(evaluations, "train_Accuracy"),
        value(evaluations, "validate_loss"),
        value(evaluations, "validate_Accuracy"));
    epoch++;
    batch = 0;
    samples = 0;
    clock.startEpoch();
  }

  private ProgressPrinter.Progress progress(double loss, double seconds) {
    return new ProgressPrinter.Progress(
        epoch, epochs, batch, batchesPerEpoch, samples, seconds, clock.epochWaitSeconds(), loss);
  }

  private static double value(Map<String, Float> evaluations, String key) {
    Float v = evaluations.get(key);
    return v == null ? Double.NaN : v;
  }

  /**
   * Whether standard output is an interactive terminal, where a bar can be redrawn in place: {@code
   * Console.isTerminal()} where it exists (Java 22 and later, whose {@code System.console()} is
   * never null), else whether there is a console.
   */
  @SuppressWarnings("SystemConsoleNull") // the fallback is the Java 17 to 21 meaning of null
  public static boolean onTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true; // before Java 22: a console is a terminal
    }
  }

  /** Configures a {@link ProgressListener}. */
  public static final class Builder {
    private final long epochs;
    private final long batchesPerEpoch;
    private long firstEpoch;
    private PrintWriter out =
        new PrintWriter(new OutputStreamWriter(System.out, Charset.defaultCharset()), true);
    private boolean redraw = onTerminal();

    private Builder(long epochs, long batchesPerEpoch) {
      if (epochs < 1) {
        throw new IllegalArgumentException("epochs must be >= 1, was " + epochs);
      }
      if (batchesPerEpoch < 1) {
        throw new IllegalArgumentException("batchesPerEpoch must be >= 1, was " + batchesPerEpoch);
      }
      this.epochs = epochs;
      this.batchesPerEpoch = batchesPerEpoch;
    }

    /**
     * The epoch the run starts in, from 0: later than 0 when it resumes from a checkpoint ({@code
     * loader.startState().epoch()}); default 0.
     */
    public Builder firstEpoch(long firstEpoch) {
      if (firstEpoch < 0 || firstEpoch >= epochs) {
        throw new IllegalArgumentException(
            "firstEpoch must be in [0, " + epochs + "), was " + firstEpoch);
      }
      this.firstEpoch = firstEpoch;
      return this;
    }

    /**
     * Where to print; default {@code System.out}. {@code redraw} true redraws a bar in place (for a
     * terminal), false prints plain lines (for a pipe or a log); default true when the JVM has a
     * console.
     */
    public Builder output(PrintWriter out, boolean redraw) {
      this.out = Objects.requireNonNull(out, "out");
      this.redraw = redraw;
      return this;
    }

    /** The listener. */
    public ProgressListener build() {
      return new ProgressListener(this);
    }
  }
}
