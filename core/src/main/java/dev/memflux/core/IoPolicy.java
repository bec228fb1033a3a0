package dev.memflux.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;

/**
 * Decides how a loader reads each field ({@link IoMode}) from what the process can see: the size of
 * the data against the memory it may fill ({@link MemoryProbe}), whether rows are contiguous in
 * their file, and whether the file system takes {@code O_DIRECT}. A pure function of those inputs,
 * so it is tested on made-up machines.
 *
 * <p>{@link IoMode#AUTO}: everything is read mapped while the data takes at most {@link #FITS} of
 * the memory available. Otherwise the data is out of core: the smallest fields stay mapped while
 * together they take at most {@link #SMALL} of that memory (labels, say: they stay cached), and the
 * others are read with {@code O_DIRECT}, or through the page cache where the file system refuses
 * it. Fortran-ordered fields, whose rows are not contiguous, are always read mapped.
 */
final class IoPolicy {

  /** Data up to this share of the memory available is read through its mappings. */
  static final double FITS = 0.8;

  /** Out of core, the smallest fields, together up to this share of memory, stay mapped. */
  static final double SMALL = 0.25;

  /**
   * One field as the decision sees it.
   *
   * @param file its file
   * @param dataBytes bytes of its data
   * @param contiguousRows whether each row is contiguous in the file (C order)
   */
  record Field(Path file, long dataBytes, boolean contiguousRows) {}

  /** Whether a file system takes {@code O_DIRECT}; {@link FileReader#directAlignment} in use. */
  interface DirectSupport {
    /** The block size reads of {@code file} must align to, or 0 with the reason in why[0]. */
    int alignment(Path file, String[] why);
  }

  /**
   * The decision.
   *
   * @param choice the mode of each field and the reason
   * @param alignments per field, the block size of its {@code O_DIRECT} reads, else 1
   */
  record Decision(IoChoice choice, int[] alignments) {}

  private IoPolicy() {}

  /** Resolves {@code requested} for {@code fields}; {@code memory} is read only for AUTO. */
  static Decision decide(
      IoMode requested,
      List<Field> fields,
      Supplier<MemoryProbe.Memory> memory,
      DirectSupport direct) {
    int n = fields.size();
    IoMode[] modes = new IoMode[n];
    int[] alignments = new int[n];
    Arrays.fill(modes, IoMode.MAPPED);
    Arrays.fill(alignments, 1);
    List<String> notes = new ArrayList<>();
    String why;
    switch (requested) {
      case MAPPED -> why = "as set by io(MAPPED)";
      case BUFFERED, DIRECT -> {
        for (int f = 0; f < n; f++) {
          readFromFile(f, requested, fields, modes, alignments, direct, notes);
        }
        why = "as set by io(" + requested + ")";
      }
      default -> {
        MemoryProbe.Memory m = memory.get();
        long total = fields.stream().mapToLong(Field::dataBytes).sum();
        if (total <= FITS * m.available()) {
          why = size(total) + " of data fits in memory, " + m.source();
        } else {
          double keep = SMALL * m.available();
          long kept = 0;
          Integer[] bySize = new Integer[n];
          Arrays.setAll(bySize, i -> i);
          Arrays.sort(bySize, Comparator.comparingLong(i -> fields.get(i).dataBytes()));
          for (int f : bySize) {
            long bytes = fields.get(f).dataBytes();
            if (kept + bytes <= keep) {
              kept += bytes;
            } else {
              readFromFile(f, IoMode.DIRECT, fields, modes, alignments, direct, notes);
            }
          }
          why = "out of core: " + size(total) + " of data, memory for it " + m.source();
        }
      }
    }
    List<String> parts = new ArrayList<>();
    for (int f = 0; f < n; f++) {
      String name = String.valueOf(fields.get(f).file().getFileName());
      parts.add(
          switch (modes[f]) {
            case DIRECT -> "direct reads for " + name;
            case BUFFERED -> "buffered reads for " + name;
            default -> "mapped for " + name + " (" + size(fields.get(f).dataBytes()) + ")";
          });
    }
    String reason =
        why
            + ": "
            + String.join(", ", parts)
            + (notes.isEmpty() ? "" : "; " + String.join("; ", notes));
    return new Decision(new IoChoice(List.of(modes), reason), alignments);
  }

  private static void readFromFile(
      int f,
      IoMode wanted,
      List<Field> fields,
      IoMode[] modes,
      int[] alignments,
      DirectSupport direct,
      List<String> notes) {
    Field field = fields.get(f);
    String name = String.valueOf(field.file().getFileName());
    if (!field.contiguousRows()) {
      notes.add(name + " is in Fortran order (rows not contiguous in the file), so it is mapped");
      return;
    }
    if (field.dataBytes() == 0) {
      return;
    }
    if (wanted == IoMode.DIRECT) {
      String[] why = new String[1];
      int alignment = direct.alignment(field.file(), why);
      if (alignment > 0) {
        modes[f] = IoMode.DIRECT;
        alignments[f] = alignment;
        return;
      }
      notes.add(why[0] + ", so " + name + " is read through the page cache");
    }
    modes[f] = IoMode.BUFFERED;
  }

  /** A byte count for people: "3.93 GB", "2.56 MB", "12.3 kB", "512 B" (powers of 1000). */
  static String size(long bytes) {
    if (bytes == Long.MAX_VALUE) {
      return "unlimited";
    }
    String[] units = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    int u = 0;
    long scale = 1;
    while (u < units.length - 1 && bytes / scale >= 1000) {
      scale *= 1000;
      u++;
    }
    if (u == 0) {
      return bytes + " B";
    }
    // Three significant digits, rounded half up, without java.util.Formatter (slow to start).
    double v = (double) bytes / scale;
    int decimals = v >= 100 ? 0 : v >= 10 ? 1 : 2;
    long tenths = Math.round(v * Math.pow(10, decimals));
    String digits = Long.toString(tenths);
    if (decimals > 0) {
      while (digits.length() <= decimals) {
        digits = "0" + digits;
      }
      digits =
          digits.substring(0, digits.length() - decimals)
              + "."
              + digits.substring(digits.length() - decimals);
    }
    return digits + " " + units[u];
  }
}
