package dev.memflux.augment;

import dev.memflux.core.StageException;
import java.util.Objects;

/**
 * An augmentation op threw on a sample: a {@link StageException} of the {@code augment} stage whose
 * message and accessors name the op, the sample id, the epoch and the field; the op's exception is
 * the cause.
 */
public final class AugmentException extends StageException {

  private static final long serialVersionUID = 1L;

  private final String op;
  private final long sampleId;
  private final long epoch;
  private final int field;

  /**
   * @param op the op's description, e.g. {@code "rotate(-15.0, 15.0, BILINEAR)"}
   * @param sampleId the sample id (row number in the files)
   * @param epoch the epoch of the batch
   * @param field the field the op was applied to
   * @param cause what the op threw
   */
  public AugmentException(String op, long sampleId, long epoch, int field, Throwable cause) {
    super(
        "augment",
        "op "
            + Objects.requireNonNull(op, "op")
            + ", sample "
            + sampleId
            + " (epoch "
            + epoch
            + ", field "
            + field
            + ")",
        cause);
    this.op = op;
    this.sampleId = sampleId;
    this.epoch = epoch;
    this.field = field;
  }

  /** The op that failed, as described in the stage, e.g. {@code "horizontalFlip(0.5)"}. */
  public String op() {
    return op;
  }

  /** The id of the sample the op failed on. */
  public long sampleId() {
    return sampleId;
  }

  /** The epoch of the batch holding the sample. */
  public long epoch() {
    return epoch;
  }

  /** The field the op was applied to. */
  public int field() {
    return field;
  }
}
