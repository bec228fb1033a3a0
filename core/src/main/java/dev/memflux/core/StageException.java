package dev.memflux.core;

import java.util.Objects;

/**
 * A pipeline stage failed: the message names the stage ({@code gather}, {@code augment}, {@code
 * convert}, {@code train}, {@code validation}), what it was working on, and the cause, which is
 * kept as {@link #getCause()}. This is how errors leave memflux stages through {@code onError}.
 *
 * <pre>{@code
 * loader.batches().onErrorResume(StageException.class, e -> ...)  // e.stage(), e.getCause()
 * }</pre>
 */
public class StageException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String stage;

  /**
   * @param stage the stage name
   * @param work what the stage was working on, e.g. {@code "batch 3 of epoch 1"}; may be empty
   * @param cause what went wrong
   */
  public StageException(String stage, String work, Throwable cause) {
    super(message(stage, work, cause), cause);
    this.stage = stage;
  }

  private static String message(String stage, String work, Throwable cause) {
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(cause, "cause");
    String on = work == null || work.isEmpty() ? "" : " on " + work;
    return "memflux " + stage + " stage failed" + on + ": " + cause;
  }

  /** The stage that failed. */
  public String stage() {
    return stage;
  }
}
