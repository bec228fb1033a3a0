package dev.memflux.samples.report;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The headline figures of a {@code memflux train} run: its {@code --json} line, and the summary in
 * {@code report.json}.
 *
 * <pre>
 * {"dataset":"Fashion-MNIST (...)","model":"mlp","epochs":5,"test_loss":0.3621,
 *  "test_accuracy":0.8712,"samples_per_sec":14873.2,"data_wait_pct":0.84,"first_batch_s":0.09,"seconds":27.31}
 * </pre>
 *
 * @param dataset the dataset description, without the {@code "dataset: "} prefix
 * @param model the model name
 * @param epochs epochs trained by this run
 * @param testLoss the mean loss on the test split after the last epoch
 * @param testAccuracy accuracy on the test split after the last epoch
 * @param samplesPerSecond training throughput over the run
 * @param dataWaitPercent share of training time spent waiting for data
 * @param firstBatchSeconds the wait for the run's first batch: the pipeline's start-up, apart from
 *     the data wait
 * @param seconds wall time of training, validation included
 */
public record TrainSummary(
    String dataset,
    String model,
    int epochs,
    double testLoss,
    double testAccuracy,
    double samplesPerSecond,
    double dataWaitPercent,
    double firstBatchSeconds,
    double seconds) {

  private static final String DATASET_PREFIX = "dataset: ";

  // Compact, with the dataset's text as it is ("<" not escaped) and null for a missing figure.
  static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

  /** The summary of {@code outcome}. */
  public static TrainSummary of(TrainOutcome outcome) {
    String dataset = outcome.dataset();
    if (dataset.startsWith(DATASET_PREFIX)) {
      dataset = dataset.substring(DATASET_PREFIX.length());
    }
    return new TrainSummary(
        dataset,
        outcome.settings().model(),
        outcome.report().epochs().size(),
        outcome.report().lastEpoch().validationLoss(),
        outcome.report().lastEpoch().validationAccuracy(),
        outcome.samplesPerSecond(),
        outcome.report().dataWaitPercent(),
        outcome.report().firstBatchSeconds(),
        outcome.report().seconds());
  }

  /** One line of JSON with the keys shown above. */
  public String toJson() {
    return GSON.toJson(json());
  }

  /** The JSON object of {@link #toJson()}. */
  JsonObject json() {
    JsonObject json = new JsonObject();
    json.addProperty("dataset", dataset);
    json.addProperty("model", model);
    json.addProperty("epochs", epochs);
    json.add("test_loss", number(testLoss, 4));
    json.add("test_accuracy", number(testAccuracy, 4));
    json.add("samples_per_sec", number(samplesPerSecond, 1));
    json.add("data_wait_pct", number(dataWaitPercent, 2));
    json.add("first_batch_s", number(firstBatchSeconds, 3));
    json.add("seconds", number(seconds, 2));
    return json;
  }

  /** A JSON number with {@code decimals} digits after the point; {@code null} when not finite. */
  static JsonElement number(double value, int decimals) {
    return Double.isFinite(value)
        ? new JsonPrimitive(BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_UP))
        : JsonNull.INSTANCE;
  }
}
