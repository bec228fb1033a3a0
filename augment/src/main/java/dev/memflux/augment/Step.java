package dev.memflux.augment;

/** An op of the stage and the fields it applies to; its position in the stage seeds its draws. */
record Step(ImageOp op, int[] fields) {

  Step {
    fields = fields.clone();
  }

  boolean appliesTo(int field) {
    for (int f : fields) {
      if (f == field) {
        return true;
      }
    }
    return false;
  }

  @Override
  public int[] fields() {
    return fields.clone();
  }
}
