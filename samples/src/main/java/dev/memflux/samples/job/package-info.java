/**
 * What {@code memflux train} trains and how: {@code TrainingJob} runs it, with its checked
 * settings, the checks of its input data, the image classifiers (not the benchmark's models, which
 * are {@code bench.BenchModels}) and the per-channel standardisation of the input.
 */
@NullMarked
@CheckReturnValue
package dev.memflux.samples.job;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
