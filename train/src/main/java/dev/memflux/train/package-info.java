/**
 * Training from a memflux pipeline: {@link dev.memflux.train.Tensors} turns host batches into DJL
 * NDArrays on the training device and {@link dev.memflux.train.Training} drives a DJL {@code
 * Trainer} with them, reporting the time spent waiting for data.
 */
@NullMarked
@CheckReturnValue
package dev.memflux.train;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
