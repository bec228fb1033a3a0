/**
 * One small program per data layout of the README's "Your data": {@link
 * dev.memflux.samples.examples.ShardsExample} (several {@code np.save} files as one array), {@link
 * dev.memflux.samples.examples.NpzExample} (members of an {@code np.savez} archive), {@link
 * dev.memflux.samples.examples.SplitExample} (a train/validation split and a subset of one file),
 * {@link dev.memflux.samples.examples.TokenWindowsExample} (next-token training on windows of a
 * nanoGPT-style uint16 token file) and {@link dev.memflux.samples.examples.RegressionExample} (a
 * tabular regression on float64 columns). Each has a {@code main} taking the files, and a test that
 * runs it on small data.
 */
@NullMarked
@CheckReturnValue
package dev.memflux.samples.examples;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
