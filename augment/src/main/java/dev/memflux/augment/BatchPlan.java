package dev.memflux.augment;

import dev.memflux.core.Batch;
import java.util.Arrays;
import java.util.List;

/** The {@link FieldPlan}s of every augmented field, checked against a batch's row shapes. */
final class BatchPlan {

  final FieldPlan[] fields;
  private final long[][] rowShapes;

  private BatchPlan(FieldPlan[] fields, long[][] rowShapes) {
    this.fields = fields;
    this.rowShapes = rowShapes;
  }

  /**
   * Plans the augmentation of batches shaped like {@code batch}.
   *
   * @throws IllegalArgumentException naming the field and its shape when an op does not fit
   */
  static BatchPlan of(Batch batch, ImageLayout layout, List<Step> steps) {
    int[] targets =
        steps.stream().flatMapToInt(s -> Arrays.stream(s.fields())).distinct().sorted().toArray();
    FieldPlan[] plans = new FieldPlan[targets.length];
    long[][] rows = new long[targets.length][];
    for (int k = 0; k < targets.length; k++) {
      int f = targets[k];
      if (f >= batch.fieldCount()) {
        throw new IllegalArgumentException(
            "augment targets field " + f + " but batches have " + batch.fieldCount() + " fields");
      }
      plans[k] = FieldPlan.of(f, batch.fieldShape(f), batch.fieldType(f), layout, steps);
      rows[k] = rowShape(batch, f);
    }
    return new BatchPlan(plans, rows);
  }

  /** True when {@code batch} has the row shapes and types this plan was checked against. */
  boolean fits(Batch batch) {
    for (int k = 0; k < fields.length; k++) {
      int f = fields[k].field;
      if (f >= batch.fieldCount()
          || !fields[k].inType.equals(batch.fieldType(f))
          || !Arrays.equals(rowShapes[k], rowShape(batch, f))) {
        return false;
      }
    }
    return true;
  }

  private static long[] rowShape(Batch batch, int f) {
    long[] s = batch.fieldShape(f);
    return Arrays.copyOfRange(s, 1, s.length);
  }
}
