package dev.memflux.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * Softmax cross-entropy at every position of a sequence, for next-token prediction on {@link
 * dev.memflux.core.NpyArray#windows token windows}: logits {@code (batch, block, vocab)} against
 * token ids {@code (batch, block)}, the mean over all {@code batch * block} predictions. DJL's
 * {@code Loss.softmaxCrossEntropyLoss()} takes one prediction per sample; this flattens the
 * positions into samples first.
 *
 * <pre>{@code
 * new DefaultTrainingConfig(new NextTokenLoss())           // reported as "loss"
 * TrainingOptions.builder().cast(DataType.INT64, 0, 1)     // uint16 windows as int64 ids
 * }</pre>
 */
public final class NextTokenLoss extends Loss {

  private final Loss crossEntropy = Loss.softmaxCrossEntropyLoss();

  /** The loss, named {@code "loss"} as DJL's training listeners expect. */
  public NextTokenLoss() {
    super("loss");
  }

  /**
   * The mean cross-entropy over every position.
   *
   * @param labels one array of token ids, any shape
   * @param predictions one array of logits: the labels' shape plus a last axis of the vocabulary
   */
  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray logits = predictions.singletonOrThrow();
    long vocab = logits.getShape().get(logits.getShape().dimension() - 1);
    return crossEntropy.evaluate(
        new NDList(labels.singletonOrThrow().reshape(-1)), new NDList(logits.reshape(-1, vocab)));
  }
}
