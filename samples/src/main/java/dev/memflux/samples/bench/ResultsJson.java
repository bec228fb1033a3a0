package dev.memflux.samples.bench;

import com.google.gson.FormattingStyle;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonWriter;
import dev.memflux.core.AtomicFile;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The results file shared with the peer: {@code {"results": [ {...}, ... ]}}, one object per
 * measurement with the keys {@code stage}, {@code impl}, {@code dataset}, {@code shuffle}, {@code
 * threads}, {@code samples_per_sec}, {@code gb_per_sec}, for training {@code data_wait_pct} and
 * {@code pipeline} ({@code plain} or {@code augment}: what fed the model), and the extras {@code
 * variant}, {@code spread}, {@code reps}, {@code batch}. A figure that does not exist for a row
 * (samples of a memory copy) is {@code null}. Tools outside the project read these names: keep
 * them. Reading accepts what Python's {@code json} writes for non-finite floats ({@code NaN},
 * {@code Infinity}, {@code -Infinity}).
 */
final class ResultsJson {

  /** Six significant digits, as the table shows: more would be noise on these machines. */
  private static final MathContext DIGITS = new MathContext(6);

  private static final FormattingStyle ROW = FormattingStyle.COMPACT.withSpaceAfterSeparators(true);

  private ResultsJson() {}

  /**
   * Writes {@code results} to {@code file}, replacing it whole or not at all ({@link AtomicFile}).
   */
  static void write(Path file, List<Result> results) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    StringWriter text = new StringWriter();
    write(text, results);
    AtomicFile.writeString(file, text.toString());
  }

  /**
   * Writes the results as {@code {"results": [...]}}, one row per line, so that the file reads (and
   * greps) as the table does.
   */
  static void write(Writer text, List<Result> results) throws IOException {
    JsonWriter out = new JsonWriter(text);
    out.setHtmlSafe(false);
    out.setSerializeNulls(true);
    // JsonWriter applies the style current at each separator: the pretty one puts every row on a
    // line of its own, the compact one keeps the row's fields on it.
    out.setFormattingStyle(FormattingStyle.PRETTY);
    out.beginObject().name("results").beginArray();
    for (Result r : results) {
      out.setFormattingStyle(FormattingStyle.PRETTY);
      out.beginObject();
      out.setFormattingStyle(ROW);
      out.name("stage").value(r.stage());
      out.name("impl").value(r.impl());
      out.name("variant").value(r.variant());
      out.name("dataset").value(r.dataset());
      out.name("shuffle").value(r.shuffle());
      out.name("threads").value(r.threads());
      out.name("samples_per_sec").value(number(r.samplesPerSec()));
      out.name("gb_per_sec").value(number(r.gbPerSec()));
      if (r.stage().equals("train")) {
        out.name("data_wait_pct").value(number(r.dataWaitPct()));
        out.name("pipeline").value(r.pipeline());
      }
      out.name("spread").value(number(r.spread()));
      out.name("reps").value(r.reps());
      out.name("batch").value(r.batch());
      out.endObject();
    }
    out.setFormattingStyle(FormattingStyle.PRETTY);
    out.endArray().endObject();
    out.flush();
    text.write("\n");
  }

  /** {@code v} to six significant digits, or null (JSON has no NaN). */
  private static @Nullable BigDecimal number(double v) {
    if (!Double.isFinite(v)) {
      return null;
    }
    BigDecimal rounded = new BigDecimal(v).round(DIGITS).stripTrailingZeros();
    // 1.23457E+6 is valid JSON, but 1234570 is what people read.
    return rounded.scale() < 0 ? rounded.setScale(0) : rounded;
  }

  /**
   * Reads a results file written by this class or by the peer; keys a row lacks, or has as null,
   * get their "unknown" value (NaN, 0, {@code ""}).
   *
   * @throws IOException naming the file when it cannot be read or is not such a file
   */
  static List<Result> read(Path file) throws IOException {
    JsonElement root;
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      // Lenient, as JsonParser is by default: Python writes NaN and Infinity bare.
      root = JsonParser.parseReader(in);
    } catch (JsonParseException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IOException(
          file + ": not valid JSON: " + firstLine(String.valueOf(cause.getMessage())), e);
    }
    if (!root.isJsonObject()
        || !root.getAsJsonObject().has("results")
        || !root.getAsJsonObject().get("results").isJsonArray()) {
      throw new IOException(file + ": expected {\"results\": [...]}");
    }
    List<Result> results = new ArrayList<>();
    for (JsonElement row : root.getAsJsonObject().getAsJsonArray("results")) {
      if (!row.isJsonObject()) {
        throw new IOException(file + ": expected an object in \"results\", found " + row);
      }
      Row m = new Row(file, row.getAsJsonObject());
      results.add(
          new Result(
              m.text("stage"),
              m.text("impl"),
              m.text("variant"),
              m.has("dataset") ? m.text("dataset") : null,
              m.has("shuffle") && m.bool("shuffle"),
              (int) m.real("threads", 0),
              m.real("samples_per_sec", Double.NaN),
              m.real("gb_per_sec", Double.NaN),
              m.real("data_wait_pct", Double.NaN),
              m.real("spread", Double.NaN),
              (int) m.real("reps", 0),
              (int) m.real("batch", 0),
              m.text("pipeline")));
    }
    return results;
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }

  /** One row's values, each checked for its type; a mistyped value names the file and key. */
  private record Row(Path file, JsonObject json) {

    boolean has(String key) {
      return json.has(key) && !json.get(key).isJsonNull();
    }

    String text(String key) throws IOException {
      return has(key) ? primitive(key, "a string").getAsString() : "";
    }

    boolean bool(String key) throws IOException {
      JsonPrimitive p = primitive(key, "true or false");
      if (!p.isBoolean()) {
        throw mistyped(key, "true or false");
      }
      return p.getAsBoolean();
    }

    double real(String key, double otherwise) throws IOException {
      if (!has(key)) {
        return otherwise;
      }
      try {
        // A bare NaN or Infinity reaches here as a string, which getAsDouble parses too.
        return primitive(key, "a number").getAsDouble();
      } catch (NumberFormatException e) {
        throw mistyped(key, "a number");
      }
    }

    private JsonPrimitive primitive(String key, String expected) throws IOException {
      JsonElement v = json.get(key);
      if (!v.isJsonPrimitive()) {
        throw mistyped(key, expected);
      }
      return v.getAsJsonPrimitive();
    }

    private IOException mistyped(String key, String expected) {
      return new IOException(
          file + ": expected " + expected + " for \"" + key + "\", found " + json.get(key));
    }
  }
}
