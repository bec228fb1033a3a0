/**
 * {@code memflux bench}: the machine's limits, the loader, loader plus augmentation, and training
 * fed three ways, measured on the peer's files; the peer itself; the table and the results JSON
 * shared with the peer. {@link dev.memflux.samples.bench.BenchCommand} is the entry point.
 */
@NullMarked
@CheckReturnValue
package dev.memflux.samples.bench;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
