/**
 * Where the arrays of the command line come from and what they hold: IDX files (MNIST's format) and
 * their conversion to .npy, the built-in synthetic images, the {@code --data auto|DIR} resolution
 * with its cache, and file-tree helpers for the commands' temporary files.
 */
@NullMarked
@CheckReturnValue
package dev.memflux.samples.data;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
