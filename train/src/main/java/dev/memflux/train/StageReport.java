package dev.memflux.train;

/**
 * Work done by one pipeline stage during {@link Training#fit}.
 *
 * @param name the stage, such as {@code gather}, {@code augment}, {@code convert} or {@code train}
 * @param workers threads the stage runs on
 * @param batches batches the stage finished during the run
 * @param busySeconds busy time of all its workers during the run
 * @param utilization busy time as a share of its capacity (workers × wall time), from 0 to 1
 */
public record StageReport(
    String name, int workers, long batches, double busySeconds, double utilization) {}
