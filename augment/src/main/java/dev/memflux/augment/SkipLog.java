package dev.memflux.augment;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the samples skipped under {@link ErrorPolicy#SKIP} and logs each distinct cause (op and
 * exception type) once, so a systematic failure does not flood the log.
 */
final class SkipLog {

  private static final Logger LOG = LoggerFactory.getLogger(Augment.class);

  private final LongAdder skipped = new LongAdder();
  private final Set<String> causes = ConcurrentHashMap.newKeySet();

  void skipped(AugmentException e) {
    skipped.increment();
    Throwable cause = e.getCause();
    if (causes.add(e.op() + ": " + (cause == null ? "" : cause.getClass().getName()))) {
      LOG.warn(
          "skipping sample {} of epoch {} (further samples failing this way are skipped "
              + "without logging)",
          e.sampleId(),
          e.epoch(),
          e);
    }
  }

  long count() {
    return skipped.sum();
  }
}
