/**
 * Test support for pipelines built on memflux, and for stages of your own: the checks memflux's own
 * tests use, published as memflux-core's test jar (this package alone; module name {@code
 * dev.memflux.core.testing}).
 *
 * <ul>
 *   <li>{@link dev.memflux.core.testing.BatchStageContract}: the suite every memflux stage passes
 *       (demand, random cancels, errors, dropping operators); extend it for your stage;
 *   <li>{@link dev.memflux.core.testing.Leaks}: every buffer closed, a pool drained, no {@code
 *       memflux-*} thread left;
 *   <li>{@link dev.memflux.core.testing.TestArrays}: small .npy files of known content;
 *   <li>{@link dev.memflux.core.testing.Eventually}, {@link dev.memflux.core.testing.ChildJvm},
 *       {@link dev.memflux.core.testing.LogCapture} and {@link dev.memflux.core.testing.SmallDisk}:
 *       waiting for other threads, a JVM of its own, captured warnings, a full disk.
 * </ul>
 *
 * <p>Depend on it in test scope with {@code <type>test-jar</type>}; a test jar brings no
 * dependencies of its own, so add what it is written with: JUnit 5 (Jupiter), AssertJ and
 * reactor-test (README, "Testing a stage of your own").
 */
package dev.memflux.core.testing;
