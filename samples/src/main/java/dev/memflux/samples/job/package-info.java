/**
 * What {@code memflux train} trains: its checked settings, the image classifiers (not the
 * benchmark's models, which are {@code bench.BenchModels}) and the per-channel standardisation of
 * the input.
 */
package dev.memflux.samples.job;
