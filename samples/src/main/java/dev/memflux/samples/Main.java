package dev.memflux.samples;

import dev.memflux.samples.bench.BenchCommand;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code memflux} command line: a registry of subcommands, each its own class.
 *
 * <pre>
 * java -jar memflux.jar inspect train_x.npy --json
 * </pre>
 *
 * <p>Every error, a usage error or bad input, prints one line on stderr and exits with status
 * {@value #BAD_INPUT}; unexpected failures exit with {@value #INTERNAL_ERROR}. No stack traces.
 */
@Command(
    name = "memflux",
    mixinStandardHelpOptions = true,
    description = "Stream memory-mapped NumPy files into DJL training.",
    subcommands = {
      InspectCommand.class,
      ConvertCommand.class,
      TrainCommand.class,
      BenchCommand.class,
      SoakCommand.class,
      CompletionCommand.class
    })
public final class Main implements Callable<Integer> {

  /** Exit status for usage errors and bad input. */
  static final int BAD_INPUT = 2;

  /** Exit status for a failure that is memflux's fault, not the input's. */
  static final int INTERNAL_ERROR = 1;

  @Spec private CommandSpec spec;

  /**
   * Runs the command line and exits with its status.
   *
   * @param args the command line arguments
   */
  public static void main(String[] args) {
    // First, before any class can touch DJL: DJL must never reach the network or its telemetry,
    // unless the user asked for DJL's download of natives with -Dai.djl.offline=false (README,
    // GPU).
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    System.setProperty("OPT_OUT_TRACKING", "true");
    System.exit(commandLine().execute(args));
  }

  /** The command line with memflux's error reporting, for {@link #main} and for tests. */
  static CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(new Main());
    setVersionProvider(commandLine, new MemfluxVersion());
    commandLine.setParameterExceptionHandler(
        (e, args) -> {
          report(e.getCommandLine(), oneLine(String.valueOf(e.getMessage())) + " (see --help)");
          return BAD_INPUT;
        });
    commandLine.setExecutionExceptionHandler(
        (e, failed, parseResult) -> {
          boolean badInput = isBadInput(e);
          report(failed, badInput ? describe(e) : "internal error: " + describe(e));
          return badInput ? BAD_INPUT : INTERNAL_ERROR;
        });
    return commandLine;
  }

  /** Every subcommand's {@code --version} says what the top-level one does. */
  private static void setVersionProvider(CommandLine command, MemfluxVersion version) {
    command.getCommandSpec().versionProvider(version);
    command.getSubcommands().values().forEach(sub -> setVersionProvider(sub, version));
  }

  /** Without a subcommand, trains with the defaults: the quickest way to see memflux work. */
  @Override
  public Integer call() {
    return Objects.requireNonNull(spec.commandLine().getSubcommands().get("train"), "train")
        .execute();
  }

  private static void report(CommandLine failed, String message) {
    PrintWriter err = failed.getErr();
    err.println(failed.getCommandSpec().qualifiedName() + ": " + message);
    err.flush();
  }

  private static boolean isBadInput(Exception e) {
    return e instanceof java.io.IOException
        || e instanceof UncheckedIOException
        || e instanceof IllegalArgumentException;
  }

  private static String describe(Exception e) {
    Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
    if (t == null) {
      t = e;
    }
    if (t instanceof NoSuchFileException f) {
      return "no such file: " + f.getFile();
    }
    if (t instanceof AccessDeniedException f) {
      return "permission denied: " + f.getFile();
    }
    String message = t.getMessage();
    return oneLine(message == null || message.isBlank() ? t.getClass().getSimpleName() : message);
  }

  private static String oneLine(String message) {
    return message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }
}
