package dev.memflux.samples.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

class TrainSummaryTest {

  @Test
  void theJsonLineKeepsAnyTextAndWritesAMissingFigureAsNull() {
    String dataset = "dir \"x\" with \\ and <f4>\n\u0001 é";
    TrainSummary summary =
        new TrainSummary(dataset, "cnn", 2, 0.41234, Double.NaN, 1234.56, 0.5, 0.0875, 61.235);

    String json = summary.toJson();

    assertThat(json)
        .isEqualTo(
            "{\"dataset\":\"dir \\\"x\\\" with \\\\ and <f4>\\n\\u0001 é\",\"model\":\"cnn\","
                + "\"epochs\":2,\"test_loss\":0.4123,\"test_accuracy\":null,\"samples_per_sec\":1234.6,"
                + "\"data_wait_pct\":0.50,\"first_batch_s\":0.088,\"seconds\":61.24}");
    JsonObject read = JsonParser.parseString(json).getAsJsonObject();
    assertThat(read.get("dataset").getAsString()).isEqualTo(dataset);
    assertThat(read.get("test_accuracy").isJsonNull()).isTrue();
  }
}
