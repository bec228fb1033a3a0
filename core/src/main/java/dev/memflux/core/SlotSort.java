package dev.memflux.core;

/**
 * Sorts a batch's slots by where their rows are (file, then offset), so that reads can walk the
 * file front to back and merge neighbours. A merge sort on primitives: stable, no boxing.
 */
final class SlotSort {

  private SlotSort() {}

  /**
   * Returns the slots {@code 0..n-1} ordered by {@code (files[s], offsets[s])}; equal keys keep
   * their slot order.
   */
  static int[] byPlace(int[] files, long[] offsets) {
    int n = offsets.length;
    int[] slots = new int[n];
    for (int i = 0; i < n; i++) {
      slots[i] = i;
    }
    if (isSorted(files, offsets)) {
      return slots; // sequential reads: the common case costs one pass
    }
    int[] scratch = new int[n];
    for (int width = 1; width < n; width *= 2) {
      for (int lo = 0; lo < n - width; lo += 2 * width) {
        merge(slots, scratch, lo, lo + width, Math.min(lo + 2 * width, n), files, offsets);
      }
    }
    return slots;
  }

  private static boolean isSorted(int[] files, long[] offsets) {
    for (int i = 1; i < offsets.length; i++) {
      if (before(i, i - 1, files, offsets)) {
        return false;
      }
    }
    return true;
  }

  private static boolean before(int a, int b, int[] files, long[] offsets) {
    return files[a] != files[b] ? files[a] < files[b] : offsets[a] < offsets[b];
  }

  private static void merge(
      int[] slots, int[] scratch, int lo, int mid, int hi, int[] files, long[] offsets) {
    System.arraycopy(slots, lo, scratch, lo, hi - lo);
    int i = lo;
    int j = mid;
    for (int k = lo; k < hi; k++) {
      if (i < mid && (j >= hi || !before(scratch[j], scratch[i], files, offsets))) {
        slots[k] = scratch[i++];
      } else {
        slots[k] = scratch[j++];
      }
    }
  }
}
