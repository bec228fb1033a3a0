/**
 * Stage SPI: what memflux's own stages (augment, tensors, training) and anyone writing a stage of
 * their own use to own batches the one way memflux does. Not needed to use memflux: applications
 * work with {@link dev.memflux.core.Loader}, {@code Augment} and {@code Training} and never see
 * this package.
 *
 * <p>Start with {@link dev.memflux.core.stage.StageLifecycle#run}.
 */
@NullMarked
@CheckReturnValue
package dev.memflux.core.stage;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
