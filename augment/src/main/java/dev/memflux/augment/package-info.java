/**
 * Per-sample augmentation of image batches as a parallel, ordered, seeded Reactor stage: start with
 * {@link dev.memflux.augment.Augment#images(dev.memflux.augment.ImageLayout)}.
 */
@NullMarked
@CheckReturnValue
package dev.memflux.augment;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
