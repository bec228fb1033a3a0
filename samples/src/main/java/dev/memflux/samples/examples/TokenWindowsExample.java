package dev.memflux.samples.examples;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.memflux.core.DType;
import dev.memflux.core.Loader;
import dev.memflux.core.NpyArray;
import dev.memflux.core.Shuffle;
import dev.memflux.train.CpuTraining;
import dev.memflux.train.NextTokenLoss;
import dev.memflux.train.Training;
import dev.memflux.train.TrainingOptions;
import dev.memflux.train.TrainingReport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Next-token prediction on nanoGPT's data layout: a headerless uint16 token file ({@code
 * np.memmap("train.bin", dtype=np.uint16)}) read as overlapping windows, inputs {@code tokens[i, i
 * + block)} and targets {@code tokens[i + 1, i + 1 + block)}, shuffled without replacement per
 * epoch, cast to int64 on conversion. The model is a bigram table (one-hot, then a linear layer):
 * it learns which token follows which.
 *
 * <pre>
 * java -cp memflux.jar dev.memflux.samples.examples.TokenWindowsExample train.bin val.bin VOCAB
 * </pre>
 */
public final class TokenWindowsExample {

  /** Tokens per window. */
  static final int BLOCK = 16;

  private TokenWindowsExample() {}

  /**
   * Trains two epochs and prints the report.
   *
   * @param args the training and the validation token files, and the vocabulary size
   */
  public static void main(String[] args) throws IOException {
    System.setProperty("ai.djl.offline", "true"); // before DJL loads: never reach the network
    System.setProperty("OPT_OUT_TRACKING", "true");
    CpuTraining.tune(); // PyTorch's threads and glibc's malloc for CPU training
    run(Path.of(args[0]), Path.of(args[1]), Integer.parseInt(args[2]), 2, System.out);
  }

  /**
   * Trains {@code epochs} epochs on the windows of {@code trainFile}, validating on those of {@code
   * validationFile}, and prints the report.
   */
  @CanIgnoreReturnValue // printed to out; returned for the tests
  static TrainingReport run(
      Path trainFile, Path validationFile, int vocab, int epochs, PrintStream out)
      throws IOException {
    try (NpyArray trainTokens = tokens(trainFile);
        NpyArray validationTokens = tokens(validationFile);
        Model model = Model.newInstance("bigram")) {
      Loader train =
          Loader.builder(inputs(trainTokens), targets(trainTokens))
              .batchSize(64)
              .shuffle(Shuffle.random(7)) // nanoGPT's random offsets, each once per epoch
              .epochs(epochs)
              .build();
      Loader validation =
          Loader.builder(inputs(validationTokens), targets(validationTokens))
              .batchSize(256)
              .build();
      model.setBlock(
          new SequentialBlock()
              .add(new LambdaBlock(list -> new NDList(list.singletonOrThrow().oneHot(vocab))))
              .add(Linear.builder().setUnits(vocab).build()));
      DefaultTrainingConfig config =
          new DefaultTrainingConfig(new NextTokenLoss()) // cross-entropy at every position
              .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.05f)).build())
              .addTrainingListeners(TrainingListener.Defaults.basic());
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(new Shape(1, BLOCK));
        TrainingOptions options =
            TrainingOptions.builder()
                .cast(DataType.INT64, 0, 1) // uint16 tokens, which DJL cannot hold, as int64
                .validation(validation::batches)
                .stageMeters(train.gatherMeter())
                .build();
        TrainingReport report =
            Training.fit(trainer, train.batches(), options).blockOptional().orElseThrow();
        out.println(report.summary());
        return report;
      }
    }
  }

  /** The token file as a 1-D uint16 array: {@code np.memmap(file, dtype=np.uint16)}. */
  private static NpyArray tokens(Path file) throws IOException {
    return NpyArray.openRaw(file, DType.parse("<u2"), new long[] {Files.size(file) / 2}, 0);
  }

  /** Window {@code i}: tokens {@code [i, i + BLOCK)}. */
  private static NpyArray inputs(NpyArray tokens) {
    return tokens.slice(0, tokens.rows() - 1).windows(BLOCK, 1);
  }

  /** Window {@code i}: tokens {@code [i + 1, i + 1 + BLOCK)}, the next token at each position. */
  private static NpyArray targets(NpyArray tokens) {
    return tokens.slice(1, tokens.rows()).windows(BLOCK, 1);
  }
}
