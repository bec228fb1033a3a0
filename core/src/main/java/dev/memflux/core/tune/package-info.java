/**
 * Autotuning: the stages of a pipeline expose their sizes (threads, reads in flight, batches held
 * ahead) as {@link dev.memflux.core.tune.Knob knobs} on their meters, and a {@link
 * dev.memflux.core.tune.Tuner} chooses them while the pipeline runs, from the stages' measured work
 * and the consumer's data wait, within a memory budget. {@code Training.fit} runs one for every
 * pipeline it trains on; applications see this package only in its {@link
 * dev.memflux.core.tune.TuningReport}.
 */
@NullMarked
@CheckReturnValue
package dev.memflux.core.tune;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
