package dev.memflux.train;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import dev.memflux.core.LoaderState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Model parameters and the loader position saved together, so training resumes with exactly the
 * samples not yet trained.
 *
 * <p>{@link #save} writes the parameters with DJL's {@code Model.save(dir, name)} (as {@code
 * name-NNNN.params}, {@code NNNN} the given index) and then, atomically, {@code name.checkpoint}
 * naming that index and holding the {@link LoaderState}. A crash between the two leaves the
 * previous checkpoint intact.
 *
 * <p>The sample stream resumes exactly; the optimizer does not: DJL keeps optimizer state (Adam's
 * moment estimates, the update count a learning-rate schedule reads) private to the optimizer, so a
 * resumed run starts them afresh.
 *
 * <pre>{@code
 * Model model = Model.newInstance("mlp");
 * model.setBlock(block);
 * Checkpoint cp = Checkpoint.load(model, dir, "mlp");        // before model.newTrainer(...)
 * Trainer trainer = model.newTrainer(config);
 * trainer.initialize(inputShape);                            // keeps the loaded parameters
 * Training.fit(trainer, loader.resumeFrom(cp.state()).batches(), options).block();
 * }</pre>
 *
 * @param dir the directory holding the checkpoint
 * @param name the model name the files are prefixed with
 * @param index the number in the parameter file's name
 * @param state the loader state just after the last trained batch
 */
public record Checkpoint(Path dir, String name, int index, LoaderState state) {

  private static final String FORMAT = "memflux-checkpoint/1";

  /** Validates the fields. */
  public Checkpoint {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(state, "state");
    if (name.isEmpty() || name.contains("/") || name.contains("\\")) {
      throw new IllegalArgumentException(
          "checkpoint name must be a plain file prefix, was '" + name + "'");
    }
    if (index < 0) {
      throw new IllegalArgumentException("checkpoint index must be >= 0, was " + index);
    }
  }

  /**
   * Saves {@code model}'s parameters and {@code state} in {@code dir}.
   *
   * @param index number for the parameter file; saving the same index again replaces it
   * @throws IOException when a file cannot be written
   */
  public static Checkpoint save(Model model, Path dir, String name, int index, LoaderState state)
      throws IOException {
    Objects.requireNonNull(model, "model");
    Checkpoint checkpoint = new Checkpoint(dir, name, index, state);
    Files.createDirectories(dir);
    // Model.save names the file after the "Epoch" property.
    model.setProperty("Epoch", Integer.toString(index));
    model.save(dir, name);
    Path tmp = dir.resolve(name + ".checkpoint.tmp");
    Files.writeString(
        tmp, FORMAT + "\nindex=" + index + "\nstate=" + state + "\n", StandardCharsets.UTF_8);
    Files.move(
        tmp,
        stateFile(dir, name),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    return checkpoint;
  }

  /**
   * Reads the checkpoint {@code name} in {@code dir} without touching a model.
   *
   * @throws IOException when it is missing or malformed
   */
  public static Checkpoint read(Path dir, String name) throws IOException {
    Path file = stateFile(dir, name);
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    if (lines.size() < 3
        || !lines.get(0).equals(FORMAT)
        || !lines.get(1).startsWith("index=")
        || !lines.get(2).startsWith("state=")) {
      throw new IOException(
          file + ": not a memflux checkpoint (expected '" + FORMAT + "', index=, state=)");
    }
    try {
      int index = Integer.parseInt(lines.get(1).substring("index=".length()));
      LoaderState state = LoaderState.parse(lines.get(2).substring("state=".length()));
      return new Checkpoint(dir, name, index, state);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": malformed memflux checkpoint: " + e.getMessage(), e);
    }
  }

  /**
   * Loads the checkpoint into {@code model} (whose block must be set) and returns it; resume the
   * loader from its {@link #state()}. Load before creating the trainer, so the trainer's
   * initialisation keeps the loaded parameters.
   *
   * @throws IOException when the files are missing or do not match the model's block
   */
  public static Checkpoint load(Model model, Path dir, String name) throws IOException {
    Objects.requireNonNull(model, "model");
    Checkpoint checkpoint = read(dir, name);
    try {
      model.load(dir, name, Map.of("epoch", Integer.toString(checkpoint.index())));
    } catch (MalformedModelException e) {
      throw new IOException(
          "parameters of checkpoint "
              + name
              + " in "
              + dir
              + " do not fit the model: "
              + e.getMessage(),
          e);
    }
    return checkpoint;
  }

  private static Path stateFile(Path dir, String name) {
    return dir.resolve(name + ".checkpoint");
  }
}
