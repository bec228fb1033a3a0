package dev.memflux.samples.bench;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * Renders the results as a plain-text table, memflux and peer rows together, with the ratios that
 * judge memflux: a loader's bandwidth against the memory copy with as many threads, and a shuffled
 * loader's rate against the peer's native gather of the same rows (when the peer ran); a loader or
 * augmentation row's samples/s against the best peer per-sample DataLoader configuration and the
 * best batched one on the same data set, stage and order; a training row's samples/s against
 * training from preloaded NDArrays.
 */
final class ResultTable {

  private static final String FORMAT =
      "%-7s %-15s %-19s %-10s %-4s %3s %12s %7s %6s %7s %7s %8s %8s %8s %6s%n";

  private final List<Result> results;

  ResultTable(List<Result> results) {
    this.results = List.copyOf(results);
  }

  /** The table, one line per result, with a header. */
  String render() {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            FORMAT,
            "stage",
            "impl",
            "variant",
            "dataset",
            "shuf",
            "thr",
            "samples/s",
            "GB/s",
            "spread",
            "/memcpy",
            "/gather",
            "/peer-ps",
            "/peer-bt",
            "/preload",
            "wait%"));
    out.append("-".repeat(141)).append('\n');
    for (Result r : results) {
      out.append(
          String.format(
              Locale.ROOT,
              FORMAT,
              r.stage(),
              r.impl(),
              r.pipeline().isEmpty() ? r.variant() : r.variant() + " " + r.pipeline(),
              r.dataset() == null ? "-" : r.dataset(),
              r.stage().equals("limit") ? "-" : r.shuffle() ? "T" : "F",
              r.threads(),
              Double.isNaN(r.samplesPerSec())
                  ? "-"
                  : String.format(Locale.ROOT, "%,.0f", r.samplesPerSec()),
              fixed(r.gbPerSec(), "%.3f"),
              Double.isNaN(r.spread())
                  ? "-"
                  : String.format(Locale.ROOT, "%.0f%%", 100 * r.spread()),
              ratio(vsMemcpy(r)),
              ratio(vsGather(r)),
              ratio(vsPeer(r, "peer-dataloader")),
              ratio(vsPeer(r, "peer-batched")),
              ratio(vsPreloaded(r)),
              fixed(r.dataWaitPct(), "%.1f")));
    }
    out.append(
        "GB/s counts source bytes of the images (1 GB = 1e9 B); ratios are memflux / reference;"
            + " /gather: against numpy's gather of the same rows (the peer's limits.py, mapped);"
            + " /peer-ps and /peer-bt: best peer per-sample and batched configuration.\n");
    return out.toString();
  }

  private static String fixed(double v, String format) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, format, v);
  }

  private static String ratio(OptionalDouble ratio) {
    return ratio.isPresent() ? String.format(Locale.ROOT, "%.2fx", ratio.getAsDouble()) : "";
  }

  private static OptionalDouble divide(double mine, OptionalDouble reference) {
    return reference.isPresent() && reference.getAsDouble() > 0
        ? OptionalDouble.of(mine / reference.getAsDouble())
        : OptionalDouble.empty();
  }

  private OptionalDouble vsMemcpy(Result r) {
    if (!memflux(r, "loader")) {
      return OptionalDouble.empty();
    }
    return divide(
        r.gbPerSec(),
        best(c -> c.impl().equals("memcpy") && c.threads() == r.threads(), Result::gbPerSec));
  }

  /** A shuffled loader row against the native gather of its data set with as many threads. */
  private OptionalDouble vsGather(Result r) {
    if (!memflux(r, "loader") || !r.shuffle()) {
      return OptionalDouble.empty();
    }
    return divide(
        r.samplesPerSec(),
        best(
            g ->
                g.impl().equals("gather")
                    && g.variant().endsWith(" mapped")
                    && g.threads() == r.threads()
                    && Objects.equals(g.dataset(), r.dataset()),
            Result::samplesPerSec));
  }

  private OptionalDouble vsPeer(Result r, String impl) {
    if (!memflux(r, "loader") && !memflux(r, "augment")) {
      return OptionalDouble.empty();
    }
    return divide(
        r.samplesPerSec(),
        best(
            p ->
                p.impl().equals(impl)
                    && p.stage().equals(r.stage())
                    && Objects.equals(p.dataset(), r.dataset())
                    && p.shuffle() == r.shuffle(),
            Result::samplesPerSec));
  }

  private OptionalDouble vsPreloaded(Result r) {
    if (!r.stage().equals("train") || r.impl().equals("preloaded")) {
      return OptionalDouble.empty();
    }
    return divide(
        r.samplesPerSec(),
        best(
            p ->
                p.stage().equals("train")
                    && p.impl().equals("preloaded")
                    && p.variant().equals(r.variant())
                    && Objects.equals(p.dataset(), r.dataset()),
            Result::samplesPerSec));
  }

  private static boolean memflux(Result r, String stage) {
    return r.impl().equals("memflux") && r.stage().equals(stage);
  }

  private OptionalDouble best(Predicate<Result> which, ToDoubleFunction<Result> f) {
    return results.stream().filter(which).mapToDouble(f).filter(v -> !Double.isNaN(v)).max();
  }
}
