/**
 * What {@code memflux train} reports: the outcome of a run, its one-line summary (also the {@code
 * --json} line), the {@code --report} directory with {@code report.md}, {@code report.json} and the
 * charts, and the stage rates sampled during the run for them.
 */
package dev.memflux.samples.report;
