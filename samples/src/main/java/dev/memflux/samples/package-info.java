/**
 * The {@code memflux} command line: {@link dev.memflux.samples.Main} registers one class per
 * command ({@code inspect}, {@code convert}, {@code train}, {@code soak}, {@code completion};
 * {@code bench} lives in {@link dev.memflux.samples.bench}) and turns every failure into one line
 * on stderr and an exit status. The rooms beside it:
 *
 * <ul>
 *   <li>{@link dev.memflux.samples.data}: where arrays come from (IDX files, Debian's
 *       Fashion-MNIST, the built-in synthetic images, {@code --data DIR}) and what they hold;
 *   <li>{@link dev.memflux.samples.job}: what {@code train} trains and how: the job, its settings,
 *       the input checks, the classifiers and the input standardisation;
 *   <li>{@link dev.memflux.samples.report}: what {@code train} reports: the summary line, the
 *       Markdown and JSON reports, the charts and the rates sampled for them;
 *   <li>{@link dev.memflux.samples.bench}: {@code memflux bench}, its measurements and the peer;
 *   <li>{@link dev.memflux.samples.jmh}: JMH micro-benchmarks.
 * </ul>
 */
@NullMarked
@CheckReturnValue
package dev.memflux.samples;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
