package dev.memflux.samples;

import ai.djl.training.Trainer;
import ai.djl.training.listener.EvaluatorTrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.util.Map;

/**
 * Feeds a {@link ProgressPrinter} from DJL's training events: the running loss after each batch and
 * the epoch's evaluations at its end. Register it after {@code TrainingListener.Defaults}, so the
 * evaluator listener has already updated the loss and closed the epoch when this one reads them.
 */
final class ProgressListener extends TrainingListenerAdapter {

  private final StepClock clock;
  private final ProgressPrinter printer;
  private final long epochs;
  private final long batchesPerEpoch;
  private long epoch;
  private long batch;
  private long samples;

  /**
   * @param clock the trainer's step timings
   * @param firstEpoch the epoch the run starts in (later than 0 when resumed)
   * @param epochs epochs of the whole run
   * @param batchesPerEpoch batches in a full epoch
   */
  ProgressListener(
      StepClock clock,
      ProgressPrinter printer,
      long firstEpoch,
      long epochs,
      long batchesPerEpoch) {
    this.clock = clock;
    this.printer = printer;
    this.epoch = firstEpoch;
    this.epochs = epochs;
    this.batchesPerEpoch = batchesPerEpoch;
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
}
