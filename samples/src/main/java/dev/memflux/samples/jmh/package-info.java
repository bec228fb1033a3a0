/**
 * JMH micro-benchmarks, one question per class, run from the jar: {@code java -cp
 * 'samples/target/memflux.jar:samples/target/lib/*' org.openjdk.jmh.Main GatherBenchmark}.
 */
package dev.memflux.samples.jmh;
