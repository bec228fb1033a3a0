/**
 * Per-sample augmentation of image batches as a parallel, ordered, seeded Reactor stage: start with
 * {@link dev.memflux.augment.Augment#images(dev.memflux.augment.ImageLayout)}.
 */
package dev.memflux.augment;
