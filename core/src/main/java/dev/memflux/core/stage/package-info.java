/**
 * Stage SPI: what memflux's own stages (augment, tensors, training) and anyone writing a stage of
 * their own use to own batches the one way memflux does. Not needed to use memflux: applications
 * work with {@link dev.memflux.core.Loader}, {@code Augment} and {@code Training} and never see
 * this package.
 *
 * <p>Start with {@link dev.memflux.core.stage.StageLifecycle#run}. {@link
 * dev.memflux.core.stage.Batches} moves a batch into a new one (a field replaced, rows dropped),
 * {@link dev.memflux.core.stage.StageMeter} counts a stage's work for reports, and {@link
 * dev.memflux.core.stage.Seeds} derives the seeds of a stage's random decisions.
 */
@NullMarked
@CheckReturnValue
package dev.memflux.core.stage;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
