package dev.memflux.samples.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results file shared with the peer: {@code {"results": [ {...}, ... ]}}, one object per
 * measurement with the keys {@code stage}, {@code impl}, {@code dataset}, {@code shuffle}, {@code
 * threads}, {@code samples_per_sec}, {@code gb_per_sec}, for training {@code data_wait_pct}, and
 * the extras {@code variant}, {@code spread}, {@code reps}, {@code batch}. A figure that does not
 * exist for a row (samples of a memory copy) is {@code null}. Tools outside the project read these
 * names: keep them.
 */
final class ResultsJson {

  private ResultsJson() {}

  /** Writes {@code results} to {@code file}, replacing it. */
  static void write(Path file, List<Result> results) throws IOException {
    StringBuilder out = new StringBuilder("{\"results\": [");
    for (int i = 0; i < results.size(); i++) {
      Result r = results.get(i);
      out.append(i == 0 ? "\n  {" : ",\n  {");
      out.append("\"stage\": ").append(string(r.stage()));
      out.append(", \"impl\": ").append(string(r.impl()));
      out.append(", \"variant\": ").append(string(r.variant()));
      out.append(", \"dataset\": ").append(r.dataset() == null ? "null" : string(r.dataset()));
      out.append(", \"shuffle\": ").append(r.shuffle());
      out.append(", \"threads\": ").append(r.threads());
      out.append(", \"samples_per_sec\": ").append(number(r.samplesPerSec()));
      out.append(", \"gb_per_sec\": ").append(number(r.gbPerSec()));
      if (r.stage().equals("train")) {
        out.append(", \"data_wait_pct\": ").append(number(r.dataWaitPct()));
      }
      out.append(", \"spread\": ").append(number(r.spread()));
      out.append(", \"reps\": ").append(r.reps());
      out.append(", \"batch\": ").append(r.batch());
      out.append('}');
    }
    out.append("\n]}\n");
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, out, StandardCharsets.UTF_8);
  }

  /**
   * Reads a results file written by this class or by the peer; keys a row lacks get their "unknown"
   * value (NaN, 0, {@code ""}).
   *
   * @throws IOException when the file cannot be read or is not such a file
   */
  static List<Result> read(Path file) throws IOException {
    Object root = new Parser(Files.readString(file, StandardCharsets.UTF_8), file).document();
    if (!(root instanceof Map<?, ?> top) || !(top.get("results") instanceof List<?> rows)) {
      throw new IOException(file + ": expected {\"results\": [...]}");
    }
    List<Result> results = new ArrayList<>();
    for (Object o : rows) {
      if (!(o instanceof Map<?, ?> m)) {
        throw new IOException(file + ": expected an object in \"results\", found " + o);
      }
      results.add(
          new Result(
              text(m, "stage"),
              text(m, "impl"),
              text(m, "variant"),
              m.get("dataset") instanceof String s ? s : null,
              Boolean.TRUE.equals(m.get("shuffle")),
              (int) real(m, "threads", 0),
              real(m, "samples_per_sec", Double.NaN),
              real(m, "gb_per_sec", Double.NaN),
              real(m, "data_wait_pct", Double.NaN),
              real(m, "spread", Double.NaN),
              (int) real(m, "reps", 0),
              (int) real(m, "batch", 0)));
    }
    return results;
  }

  private static String text(Map<?, ?> m, String key) {
    return m.get(key) instanceof String s ? s : "";
  }

  private static double real(Map<?, ?> m, String key, double otherwise) {
    return m.get(key) instanceof Double d ? d : otherwise;
  }

  private static String number(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
  }

  private static String string(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  /** A small recursive-descent JSON reader: objects, arrays, strings, numbers, literals. */
  private static final class Parser {
    private final String text;
    private final Path file;
    private int at;

    Parser(String text, Path file) {
      this.text = text;
      this.file = file;
    }

    Object document() throws IOException {
      Object v = value();
      skipSpace();
      if (at != text.length()) {
        throw error("end of input");
      }
      return v;
    }

    private Object value() throws IOException {
      skipSpace();
      if (at >= text.length()) {
        throw error("a value");
      }
      char c = text.charAt(at);
      if (c == '{') {
        return object();
      }
      if (c == '[') {
        return array();
      }
      if (c == '"') {
        return string();
      }
      for (String literal : new String[] {"true", "false", "null", "NaN", "Infinity"}) {
        if (text.startsWith(literal, at)) {
          at += literal.length();
          return switch (literal) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            case "null" -> null;
            case "NaN" -> Double.NaN; // Python's json writes these for non-finite floats
            default -> Double.POSITIVE_INFINITY;
          };
        }
      }
      int start = at;
      while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
        at++;
      }
      try {
        return Double.parseDouble(text.substring(start, at));
      } catch (NumberFormatException e) {
        at = start;
        throw error("a value");
      }
    }

    private Map<String, Object> object() throws IOException {
      Map<String, Object> m = new LinkedHashMap<>();
      at++;
      skipSpace();
      if (peek('}')) {
        return m;
      }
      do {
        skipSpace();
        if (!(text.startsWith("\"", at))) {
          throw error("a key");
        }
        String key = string();
        skipSpace();
        expect(':');
        m.put(key, value());
        skipSpace();
      } while (peek(','));
      expect('}');
      return m;
    }

    private List<Object> array() throws IOException {
      List<Object> list = new ArrayList<>();
      at++;
      skipSpace();
      if (peek(']')) {
        return list;
      }
      do {
        list.add(value());
        skipSpace();
      } while (peek(','));
      expect(']');
      return list;
    }

    private String string() throws IOException {
      StringBuilder b = new StringBuilder();
      at++;
      while (at < text.length() && text.charAt(at) != '"') {
        char c = text.charAt(at++);
        if (c == '\\' && at < text.length()) {
          char e = text.charAt(at++);
          switch (e) {
            case 'n' -> b.append('\n');
            case 't' -> b.append('\t');
            case 'r' -> b.append('\r');
            case 'b' -> b.append('\b');
            case 'f' -> b.append('\f');
            case 'u' -> {
              if (at + 4 > text.length()) {
                throw error("four hex digits");
              }
              b.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
              at += 4;
            }
            default -> b.append(e);
          }
        } else {
          b.append(c);
        }
      }
      expect('"');
      return b.toString();
    }

    private boolean peek(char c) {
      if (at < text.length() && text.charAt(at) == c) {
        at++;
        return true;
      }
      return false;
    }

    private void expect(char c) throws IOException {
      if (!peek(c)) {
        throw error("'" + c + "'");
      }
    }

    private void skipSpace() {
      while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
        at++;
      }
    }

    private IOException error(String expected) {
      String found = at < text.length() ? "'" + text.charAt(at) + "'" : "end of input";
      return new IOException(
          file + ": at character " + at + " expected " + expected + ", found " + found);
    }
  }
}
