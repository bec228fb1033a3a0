package dev.memflux.train;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.memflux.core.LoaderState;
import dev.memflux.train.CheckpointManifest.Entry;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Model parameters and the loader position saved together, so training resumes with exactly the
 * samples not yet trained.
 *
 * <p>Files in {@code dir}: {@code NAME-NNNN.params}, the parameters as DJL's {@code Model.save}
 * writes them, {@code NNNN} a number that grows with every save; and {@code NAME.checkpoint}, the
 * manifest naming the latest checkpoint's parameter file (with its size and CRC-32C) and loader
 * state, and the previous checkpoint's. A save writes and syncs a new parameter file, then replaces
 * the manifest atomically: that one rename is the commit point, so parameters and loader state
 * always belong together, and a crash at any moment leaves the last committed checkpoint (and the
 * one before it) intact. A parameter file is never written again once a manifest names it. After
 * the commit, every other {@code NAME-NNNN.params} in {@code dir} is deleted: superseded ones and
 * those of saves that crashed.
 *
 * <p>{@link #load} checks the parameter file against the manifest before reading it. When the
 * latest checkpoint's file is damaged or missing, it loads the previous checkpoint instead and says
 * so in {@link #skipped()}; only when neither is intact does it fail, naming each file and what is
 * wrong with it.
 *
 * <p>The sample stream resumes exactly; the optimizer does not: DJL keeps optimizer state (Adam's
 * moment estimates, the update count a learning-rate schedule reads) private to the optimizer, so a
 * resumed run starts them afresh. One process saves a given checkpoint at a time.
 *
 * <pre>{@code
 * Model model = Model.newInstance("mlp");
 * model.setBlock(block);
 * Checkpoint cp = Checkpoint.load(model, dir, "mlp");        // before model.newTrainer(...)
 * cp.skipped().forEach(System.err::println);                 // damaged newer checkpoints, if any
 * Trainer trainer = model.newTrainer(config);
 * trainer.initialize(inputShape);                            // keeps the loaded parameters
 * Training.fit(trainer, loader.resumeFrom(cp.state()).batches(), options).block();
 * }</pre>
 *
 * @param dir the directory holding the checkpoint
 * @param name the model name the files are prefixed with
 * @param index the caller's number for the checkpoint (the epoch, as {@link Training} saves it)
 * @param params the parameter file
 * @param state the loader state just after the last trained batch
 * @param skipped for a loaded checkpoint, the newer checkpoints passed over because their files
 *     were damaged, each naming the file and what is wrong; empty normally
 */
public record Checkpoint(
    Path dir, String name, int index, Path params, LoaderState state, List<String> skipped) {

  /** DJL's model property that {@code Model.save} names the parameter file after. */
  private static final String EPOCH_PROPERTY = "Epoch";

  /** Validates the fields. */
  public Checkpoint {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(params, "params");
    Objects.requireNonNull(state, "state");
    skipped = List.copyOf(skipped);
    checkName(name);
    checkIndex(index);
  }

  /**
   * Saves {@code model}'s parameters and {@code state} in {@code dir} as the latest checkpoint
   * {@code name}, keeping the one before it for {@link #load} to fall back on.
   *
   * @param index the caller's number for the checkpoint (the epoch, usually)
   * @throws IOException naming the file when one cannot be written; the previous checkpoint is then
   *     still the latest
   */
  @CanIgnoreReturnValue
  public static Checkpoint save(Model model, Path dir, String name, int index, LoaderState state)
      throws IOException {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(state, "state");
    checkName(name);
    checkIndex(index);
    Files.createDirectories(dir);
    Path manifestFile = manifestFile(dir, name);
    @Nullable Entry previous = null;
    boolean oldManifestReadable = true;
    if (Files.exists(manifestFile)) {
      try {
        previous = firstIntact(CheckpointManifest.read(manifestFile, name), dir);
      } catch (IOException e) {
        oldManifestReadable = false; // replaced below; its files are left alone, not pruned
      }
    }
    int number = nextNumber(dir, name);
    Path params = dir.resolve(CheckpointManifest.paramsName(name, number));
    long crc;
    try {
      writeParameters(model, dir, name, number, index);
      crc = CheckpointManifest.syncAndChecksum(params);
    } catch (IOException e) {
      deleteAfter(e, params);
      throw failure(params, "cannot save the parameters", e);
    } catch (RuntimeException e) {
      deleteAfter(e, params);
      throw e;
    }
    Entry latest =
        new Entry(index, params.getFileName().toString(), Files.size(params), crc, state);
    new CheckpointManifest(latest, previous).write(manifestFile);
    if (oldManifestReadable) {
      prune(
          dir,
          name,
          previous == null ? Set.of(latest.params()) : Set.of(latest.params(), previous.params()));
    }
    return new Checkpoint(dir, name, index, params, state, List.of());
  }

  /**
   * Reads the checkpoint {@code name} in {@code dir} without touching a model: the latest whose
   * parameter file is intact.
   *
   * @throws NoSuchFileException naming the manifest when there is no checkpoint
   * @throws IOException naming the files and what is wrong when no checkpoint is intact
   */
  public static Checkpoint read(Path dir, String name) throws IOException {
    return open(null, dir, name);
  }

  /**
   * Loads the latest intact checkpoint into {@code model} (whose block must be set) and returns it;
   * resume the loader from its {@link #state()}. Load before creating the trainer, so the trainer's
   * initialisation keeps the loaded parameters.
   *
   * @throws NoSuchFileException naming the manifest when there is no checkpoint
   * @throws IOException naming the files and what is wrong when no checkpoint is intact, or when
   *     the parameters do not fit the model's block
   */
  public static Checkpoint load(Model model, Path dir, String name) throws IOException {
    Objects.requireNonNull(model, "model");
    return open(model, dir, name);
  }

  private static Checkpoint open(@Nullable Model model, Path dir, String name) throws IOException {
    Objects.requireNonNull(dir, "dir");
    checkName(name);
    Path manifestFile = manifestFile(dir, name);
    if (!Files.exists(manifestFile)) {
      throw new NoSuchFileException(
          manifestFile.toString(), null, "no checkpoint '" + name + "' in " + dir);
    }
    CheckpointManifest manifest = CheckpointManifest.read(manifestFile, name);
    List<String> skipped = new ArrayList<>();
    for (Entry e : manifest.entries()) {
      @Nullable String problem = e.problem(dir);
      if (problem == null && model != null) {
        problem = loadInto(model, dir, name, e);
      }
      if (problem == null) {
        return new Checkpoint(dir, name, e.index(), dir.resolve(e.params()), e.state(), skipped);
      }
      skipped.add(problem);
    }
    throw new IOException(
        manifestFile + ": no intact checkpoint to load: " + String.join("; ", skipped));
  }

  /** Loads {@code e}'s parameters; returns why the file could not be read, or null. */
  private static @Nullable String loadInto(Model model, Path dir, String name, Entry e)
      throws IOException {
    Path file = dir.resolve(e.params());
    Matcher m = paramsPattern(name).matcher(e.params());
    if (!m.matches()) {
      return file + ": not named " + name + "-NNNN.params, as DJL needs to load it";
    }
    try {
      model.load(dir, name, Map.of("epoch", m.group(1)));
    } catch (MalformedModelException ex) {
      throw new IOException(file + ": the parameters do not fit the model: " + ex.getMessage(), ex);
    } catch (IOException ex) {
      return file + ": cannot be read: " + ex.getMessage();
    }
    model.setProperty(EPOCH_PROPERTY, Integer.toString(e.index()));
    return null;
  }

  /**
   * Writes the parameters as {@code NAME-number.params}: {@code Model.save} names the file after
   * the model's "Epoch" property, which is set to {@code index} afterwards, as a caller expects.
   */
  private static void writeParameters(Model model, Path dir, String name, int number, int index)
      throws IOException {
    model.setProperty(EPOCH_PROPERTY, Integer.toString(number));
    try {
      model.save(dir, name);
    } finally {
      model.setProperty(EPOCH_PROPERTY, Integer.toString(index));
    }
  }

  private static @Nullable Entry firstIntact(CheckpointManifest manifest, Path dir)
      throws IOException {
    for (Entry e : manifest.entries()) {
      if (e.problem(dir) == null) {
        return e.withChecksum(dir);
      }
    }
    return null;
  }

  /** One more than any parameter file number in {@code dir}, so no file is written twice. */
  private static int nextNumber(Path dir, String name) throws IOException {
    int max = -1;
    Pattern pattern = paramsPattern(name);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        Matcher m = pattern.matcher(f.getFileName().toString());
        if (m.matches() && m.group(1).length() < 10) {
          max = Math.max(max, Integer.parseInt(m.group(1)));
        }
      }
    }
    return Math.addExact(max, 1);
  }

  /** Deletes the parameter files of {@code name} not in {@code keep}; best effort. */
  private static void prune(Path dir, String name, Set<String> keep) {
    Pattern pattern = paramsPattern(name);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        String file = f.getFileName().toString();
        if (pattern.matcher(file).matches() && !keep.contains(file)) {
          Files.deleteIfExists(f);
        }
      }
    } catch (IOException e) {
      // The checkpoint is committed; the next save prunes what is left.
    }
  }

  private static Pattern paramsPattern(String name) {
    return Pattern.compile(Pattern.quote(name) + "-(\\d{4,})\\.params");
  }

  private static Path manifestFile(Path dir, String name) {
    return dir.resolve(name + ".checkpoint");
  }

  private static void checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty() || name.contains("/") || name.contains("\\")) {
      throw new IllegalArgumentException(
          "checkpoint name must be a plain file prefix, was '" + name + "'");
    }
  }

  private static void checkIndex(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("checkpoint index must be >= 0, was " + index);
    }
  }

  private static IOException failure(Path file, String what, IOException cause) {
    String reason =
        Objects.requireNonNullElse(cause.getMessage(), cause.getClass().getSimpleName());
    return new IOException(file + ": " + what + ": " + reason, cause);
  }

  private static void deleteAfter(Throwable failure, Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException suppressed) {
      failure.addSuppressed(suppressed);
    }
  }
}
