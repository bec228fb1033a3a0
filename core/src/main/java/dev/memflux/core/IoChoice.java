package dev.memflux.core;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link Loader} reads each field with, and why: the result of {@link Loader.Builder#io}
 * (resolving {@link IoMode#AUTO} from the data's size and the memory the process may use).
 *
 * <pre>{@code
 * Loader loader = Loader.builder(x, y).shuffle(Shuffle.random(1)).build();
 * System.out.println("io: " + loader.io().reason());
 * // io: out of core: 3.93 GB of data, 0.79 GB of memory for it (cgroup v1 memory limit ...);
 * //     direct reads for ooc_x.npy, mapped for ooc_y.npy (2.56 MB)
 * }</pre>
 *
 * @param modes the mode of each field, in the loader's field order; never {@link IoMode#AUTO}
 * @param reason one line saying what was chosen and why, for logs and reports
 */
public record IoChoice(List<IoMode> modes, String reason) {

  /** Checks and copies the modes. */
  public IoChoice {
    modes = List.copyOf(modes);
    Objects.requireNonNull(reason, "reason");
    if (modes.contains(IoMode.AUTO)) {
      throw new IllegalArgumentException("a chosen mode cannot be AUTO: " + modes);
    }
  }

  /** Whether every field is read through its mapping. */
  public boolean allMapped() {
    return modes.stream().allMatch(m -> m == IoMode.MAPPED);
  }

  @Override
  public String toString() {
    return reason;
  }
}
