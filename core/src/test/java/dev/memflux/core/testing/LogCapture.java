package dev.memflux.core.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures what a class logs through {@link System.Logger}, which goes to java.util.logging when no
 * other backend is installed for it (no SLF4J bridge for {@code System.Logger}), as in memflux's
 * tests: the warning a lost batch logs, say.
 *
 * <pre>{@code
 * try (LogCapture log = LogCapture.of(BufferPool.class)) {
 *   ... // run the pipeline
 *   assertThat(log.records()).isEmpty();   // no batch was left to the garbage collector
 * }
 * }</pre>
 */
public final class LogCapture extends Handler implements AutoCloseable {

  private final Logger logger;
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();

  private LogCapture(Logger logger) {
    this.logger = logger;
    logger.addHandler(this);
  }

  /** Starts capturing what {@code type} logs, until closed. */
  public static LogCapture of(Class<?> type) {
    return new LogCapture(Logger.getLogger(type.getName()));
  }

  /** The records logged so far. */
  public List<LogRecord> records() {
    return List.copyOf(records);
  }

  @Override
  public void publish(LogRecord record) {
    records.add(record);
  }

  @Override
  public void flush() {}

  /** Stops capturing. */
  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
