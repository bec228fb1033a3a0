/**
 * NumPy arrays on disk as rows, and the {@link dev.memflux.core.Loader} that streams them as a
 * backpressured {@code Flux<Batch>}: shuffled, sharded, resumable, in memory or out of core.
 */
@NullMarked
@CheckReturnValue
package dev.memflux.core;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
