package dev.memflux.train;

import ai.djl.metric.Metrics;
import ai.djl.metric.Unit;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data wait of a {@link PipelineDataset} for DJL training loops such as {@code EasyTrain.fit}:
 * at each epoch end it logs how long the trainer waited for data (SLF4J, INFO, beside DJL's own
 * epoch lines) and, when the trainer has {@link Metrics}, adds {@code "data_wait_percent"} and
 * {@code "data_wait_ms"} to them. {@link Training#fit} reports the same figure in its {@link
 * TrainingReport}.
 *
 * <pre>{@code
 * PipelineDataset train = PipelineDataset.builder(loader.batches()).build();
 * config.addTrainingListeners(new DataWaitListener(train));
 * // Epoch 3: data wait 0.8% (0.12 s of 15.31 s), 3919 samples/s
 * }</pre>
 */
public final class DataWaitListener extends TrainingListenerAdapter {

  private static final Logger logger = LoggerFactory.getLogger(DataWaitListener.class);

  private final PipelineDataset dataset;
  private int reported;

  /** Reports the training passes of {@code dataset}. */
  public DataWaitListener(PipelineDataset dataset) {
    this.dataset = Objects.requireNonNull(dataset, "dataset");
  }

  /** Reports the passes that ended since the last epoch end: normally exactly one. */
  @Override
  public void onEpoch(Trainer trainer) {
    List<DataWait> passes = dataset.dataWait();
    for (DataWait pass : passes.subList(reported, passes.size())) {
      logger.info(describe(pass));
      Metrics metrics = trainer.getMetrics();
      if (metrics != null) {
        metrics.addMetric("data_wait_percent", pass.percent(), Unit.PERCENT);
        metrics.addMetric("data_wait_ms", pass.waitSeconds() * 1000, Unit.MILLISECONDS);
      }
    }
    reported = passes.size();
  }

  /** The log line for {@code pass}. */
  static String describe(DataWait pass) {
    return String.format(
        Locale.ROOT,
        "Epoch %d: data wait %.1f%% (%.2f s of %.2f s), %.0f samples/s",
        pass.epoch() + 1,
        pass.percent(),
        pass.waitSeconds(),
        pass.seconds(),
        pass.samplesPerSecond());
  }
}
