/**
 * What {@code memflux train} reports: the outcome of a run, its one-line summary (also the {@code
 * --json} line), the {@code --report} directory with {@code report.md}, {@code report.json} and the
 * charts, and the stage rates sampled during the run for them.
 */
@NullMarked
@CheckReturnValue
package dev.memflux.samples.report;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
