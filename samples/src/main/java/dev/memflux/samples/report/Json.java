package dev.memflux.samples.report;

/**
 * A minimal writer for one flat JSON object, enough for machine-readable command output without a
 * JSON library. Values are given already encoded with the static helpers.
 */
public final class Json {

  private final StringBuilder out = new StringBuilder("{");

  /** Appends {@code "name":value}; {@code value} must already be valid JSON. */
  public Json field(String name, String value) {
    if (out.length() > 1) {
      out.append(',');
    }
    out.append(string(name)).append(':').append(value);
    return this;
  }

  /** The object text. */
  @Override
  public String toString() {
    return out + "}";
  }

  /** A JSON string literal. */
  public static String string(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  /** A JSON array of integers. */
  public static String array(long[] values) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < values.length; i++) {
      b.append(i == 0 ? "" : ",").append(values[i]);
    }
    return b.append(']').toString();
  }
}
