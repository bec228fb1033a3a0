package dev.memflux.core.stage;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * A JDK Flight Recorder event for each batch a pipeline stage finishes, committed by {@link
 * StageMeter}: visible in JDK Mission Control under "memflux" and readable with {@code
 * jdk.jfr.consumer.RecordingFile}. Off unless a recording enables it ({@code
 * -XX:StartFlightRecording} with the default or profile settings does); then it costs one small
 * object per batch.
 */
@Name(StageEvent.NAME)
@Label("Stage Batch")
@Category("memflux")
@Description(
    "One batch finished by a memflux pipeline stage (gather, augment, convert, train), committed"
        + " when it ends, with the time the stage's workers were busy with it")
@StackTrace(false)
final class StageEvent extends Event {

  /** The event type's name. */
  static final String NAME = "dev.memflux.StageBatch";

  @Label("Stage")
  @Description("The stage's meter name")
  String stage = "";

  @Label("Busy")
  @Description("Time the stage's workers spent on the batch, summed over the workers")
  @Timespan(Timespan.NANOSECONDS)
  long busy;

  @Label("Workers")
  @Description("Threads the stage runs on")
  int workers;

  /** Commits an event for one batch of {@code stage}, if a recording wants it. */
  static void batch(String stage, long busyNanos, int workers) {
    StageEvent event = new StageEvent();
    if (event.isEnabled()) {
      event.stage = stage;
      event.busy = busyNanos;
      event.workers = workers;
      event.commit();
    }
  }
}
