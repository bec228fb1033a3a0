package dev.memflux.samples.report;

import static dev.memflux.samples.report.TrainSummary.number;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.memflux.core.tune.TuningReport;
import dev.memflux.samples.job.TrainSettings;
import dev.memflux.train.EpochReport;
import dev.memflux.train.StageReport;
import dev.memflux.train.TrainingReport;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The {@code report.json} of a training run: the summary of the {@code --json} line, the settings,
 * the bottleneck, one object per epoch and per pipeline stage, the chart files, and the time series
 * the pipeline chart draws, so that it can be redrawn (times in seconds since the run started):
 *
 * <pre>
 * "timeline": {"rate_window_seconds": 1.0,
 *   "rates": [{"stage": "gather", "seconds": [...], "batches_per_sec": [...]}, ...],
 *   "in_flight": [{"from": "gather", "to": "augment", "seconds": [...], "batches": [...]}, ...],
 *   "epochs": [{"epoch": 0, "validation_start_seconds": 9.87, "end_seconds": 10.42}, ...]}
 * </pre>
 *
 * <p>{@code "tuning"} holds what the run's tuner chose and why: {@code {"verdict": ...,
 * "memory_budget_bytes": ..., "memory_bytes": ..., "knobs": [{"stage": "gather", "knob":
 * "prefetch", "value": 2, "tuned": true, "why": ...}, ...]}}; a size the command line set is in
 * {@code "settings"}, where {@code 0} means tuned.
 *
 * <p>A figure that is not finite (no validation, say) is {@code null}.
 */
final class ReportJson {

  private ReportJson() {}

  /**
   * The report of {@code outcome}, whose pipeline chart draws {@code series} and whose charts are
   * the files {@code charts}, as one line.
   */
  static String of(TrainOutcome outcome, PipelineSeries series, List<String> charts) {
    TrainingReport report = outcome.report();
    JsonObject json = new JsonObject();
    json.add("summary", TrainSummary.of(outcome).json());
    json.addProperty("dataset", outcome.dataset());
    json.add("settings", settings(outcome));
    JsonObject io = new JsonObject();
    JsonArray modes = new JsonArray();
    outcome.io().modes().forEach(m -> modes.add(m.name().toLowerCase(Locale.ROOT)));
    io.add("modes", modes);
    io.addProperty("reason", outcome.io().reason());
    json.add("io", io);
    json.addProperty("bottleneck", report.bottleneck());
    json.add("tuning", tuning(report.tuning()));
    json.addProperty("stopped_early", report.stoppedEarly());
    JsonArray epochs = new JsonArray();
    report.epochs().forEach(e -> epochs.add(epoch(e)));
    json.add("epochs", epochs);
    JsonArray stages = new JsonArray();
    report.stages().forEach(s -> stages.add(stage(s)));
    json.add("stages", stages);
    JsonArray files = new JsonArray();
    charts.forEach(files::add);
    json.add("charts", files);
    json.add("timeline", timeline(series));
    return TrainSummary.GSON.toJson(json);
  }

  private static JsonObject tuning(TuningReport tuning) {
    JsonObject json = new JsonObject();
    json.addProperty("verdict", tuning.verdict());
    json.addProperty("memory_budget_bytes", tuning.memoryBudget());
    json.addProperty("memory_bytes", tuning.memoryBytes());
    JsonArray knobs = new JsonArray();
    for (TuningReport.Setting s : tuning.settings()) {
      JsonObject knob = new JsonObject();
      knob.addProperty("stage", s.stage());
      knob.addProperty("knob", s.knob());
      knob.addProperty("value", s.value());
      knob.addProperty("tuned", s.tuned());
      knob.addProperty("why", s.why());
      knobs.add(knob);
    }
    json.add("knobs", knobs);
    return json;
  }

  private static JsonObject timeline(PipelineSeries series) {
    JsonArray rates = new JsonArray();
    for (PipelineSeries.RateLine line : series.rates()) {
      JsonObject json = new JsonObject();
      json.addProperty("stage", line.stage());
      addPoints(json, line.points(), "batches_per_sec", 3);
      rates.add(json);
    }
    JsonArray inFlight = new JsonArray();
    for (PipelineSeries.FlightLine line : series.inFlight()) {
      JsonObject json = new JsonObject();
      json.addProperty("from", line.from());
      json.addProperty("to", line.to());
      addPoints(json, line.points(), "batches", 0);
      inFlight.add(json);
    }
    JsonArray epochs = new JsonArray();
    for (PipelineSeries.EpochSpan e : series.epochs()) {
      JsonObject json = new JsonObject();
      json.addProperty("epoch", e.epoch());
      json.add("validation_start_seconds", number(e.mark().validationStart(), 3));
      json.add("end_seconds", number(e.mark().end(), 3));
      epochs.add(json);
    }
    JsonObject json = new JsonObject();
    json.addProperty("rate_window_seconds", PipelineSeries.RATE_WINDOW_SECONDS);
    json.add("rates", rates);
    json.add("in_flight", inFlight);
    json.add("epochs", epochs);
    return json;
  }

  /** The points as two arrays of equal length: {@code "seconds"} and {@code values}. */
  private static void addPoints(
      JsonObject json, List<PipelineSeries.Point> points, String values, int decimals) {
    JsonArray seconds = new JsonArray();
    JsonArray ys = new JsonArray();
    for (PipelineSeries.Point p : points) {
      seconds.add(number(p.seconds(), 3));
      ys.add(number(p.value(), decimals));
    }
    json.add("seconds", seconds);
    json.add(values, ys);
  }

  private static JsonObject settings(TrainOutcome outcome) {
    TrainSettings s = outcome.settings();
    JsonObject json = new JsonObject();
    json.addProperty("model", s.model());
    json.addProperty("epochs", s.epochs());
    json.addProperty("first_epoch", outcome.firstEpoch());
    json.addProperty("batch_size", s.batchSize());
    json.add("learning_rate", number(s.learningRate(), 6));
    json.addProperty("augment", s.augment());
    json.addProperty("workers", s.workers());
    json.addProperty("prefetch", s.prefetch());
    json.addProperty("seed", s.seed());
    json.add("input_mean", floats(outcome.stats().mean()));
    json.add("input_std", floats(outcome.stats().std()));
    json.add("checkpoint", path(s.checkpoint()));
    json.add("resume", path(s.resume()));
    return json;
  }

  private static JsonObject epoch(EpochReport e) {
    JsonObject json = new JsonObject();
    json.addProperty("epoch", e.epoch());
    json.addProperty("batches", e.batches());
    json.addProperty("samples", e.samples());
    json.add("loss", number(e.loss(), 6));
    json.add("train_accuracy", number(e.trainAccuracy(), 6));
    json.add("test_loss", number(e.validationLoss(), 6));
    json.add("test_accuracy", number(e.validationAccuracy(), 6));
    json.add("samples_per_sec", number(e.samplesPerSecond(), 1));
    json.add("data_wait_pct", number(e.dataWaitPercent(), 3));
    json.add("seconds", number(e.seconds(), 3));
    json.add("validation_seconds", number(e.validationSeconds(), 3));
    return json;
  }

  private static JsonObject stage(StageReport st) {
    JsonObject json = new JsonObject();
    json.addProperty("name", st.name());
    json.addProperty("workers", st.workers());
    json.addProperty("batches", st.batches());
    json.add("busy_seconds", number(st.busySeconds(), 3));
    json.add("utilization", number(st.utilization(), 4));
    return json;
  }

  private static JsonArray floats(float[] values) {
    JsonArray json = new JsonArray();
    for (float v : values) {
      json.add(number(v, 6));
    }
    return json;
  }

  private static JsonElement path(@Nullable Path p) {
    return p == null ? JsonNull.INSTANCE : new JsonPrimitive(p.toString());
  }
}
