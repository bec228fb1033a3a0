/**
 * JMH micro-benchmarks, one question per class, run from the jar: {@code java -cp
 * 'samples/target/memflux.jar:samples/target/lib/*' org.openjdk.jmh.Main GatherBenchmark}.
 */
@NullMarked
@CheckReturnValue
package dev.memflux.samples.jmh;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
