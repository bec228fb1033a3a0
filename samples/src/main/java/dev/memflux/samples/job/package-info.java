/**
 * What {@code memflux train} trains and how: {@code TrainingJob} runs it, with its checked
 * settings, the checks of its input data, the image classifiers, the per-channel standardisation of
 * the input and {@code TrainPipeline}, the loader, augmentation and trainer configuration that the
 * benchmark's training rows measure too.
 */
@NullMarked
@CheckReturnValue
package dev.memflux.samples.job;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
