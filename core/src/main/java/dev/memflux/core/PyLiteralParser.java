package dev.memflux.core;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A recursive-descent parser for the Python literals a .npy header may hold, accepting what numpy
 * accepts through {@code ast.literal_eval}: dicts, tuples, lists, strings in single or double
 * quotes with escapes, ints (decimal, hex, octal, binary, underscores, Python 2's {@code L}
 * suffix), floats, {@code True}, {@code False}, {@code None}, unary signs, trailing commas and any
 * whitespace. Errors are {@link NpyFormatException}s with the byte offset in the file.
 */
final class PyLiteralParser {

  /** Deep enough for any real header, shallow enough that a hostile one cannot blow the stack. */
  private static final int MAX_DEPTH = 32;

  /**
   * Longer than any number a header needs (a dimension has at most 19 digits), short enough that a
   * hostile one costs nothing to convert: {@code BigInteger} parses in time quadratic in digits.
   */
  static final int MAX_NUMBER_CHARS = 100;

  /** Error messages quote at most this much of the header, however long the offending text. */
  private static final int SNIPPET_CHARS = 40;

  /**
   * A parsed literal and the characters {@code [start, end)} of the header text it came from.
   *
   * @param value a {@code String}, {@code BigInteger}, {@code Double}, {@code Boolean}, {@link
   *     #NONE}, {@link Tuple}, {@link PyList} or {@link Dict}
   */
  record Node(Object value, int start, int end) {}

  /** A Python tuple. */
  record Tuple(List<Node> items) {}

  /** A Python list. */
  record PyList(List<Node> items) {}

  /** A Python dict, its entries in source order (duplicates kept, for the caller to judge). */
  record Dict(List<Entry> entries) {}

  /** One {@code key: value} pair of a {@link Dict}. */
  record Entry(Node key, Node value) {}

  /** Python's {@code None}. */
  static final Object NONE =
      new Object() {
        @Override
        public String toString() {
          return "None";
        }
      };

  private final String text;
  private final Path file;
  private final long baseOffset;
  private final boolean utf8;
  private int pos;
  private int depth;

  private PyLiteralParser(String text, Path file, long baseOffset, boolean utf8) {
    this.text = text;
    this.file = file;
    this.baseOffset = baseOffset;
    this.utf8 = utf8;
  }

  /**
   * Parses {@code text} as exactly one literal surrounded by optional whitespace.
   *
   * @param baseOffset byte offset of {@code text} within {@code file}, for error messages
   * @param utf8 whether the header was UTF-8 (format 3.0), so offsets count encoded bytes
   */
  static Node parse(String text, Path file, long baseOffset, boolean utf8)
      throws NpyFormatException {
    PyLiteralParser parser = new PyLiteralParser(text, file, baseOffset, utf8);
    parser.skipWhitespace();
    Node node = parser.value();
    parser.skipWhitespace();
    if (parser.pos < text.length()) {
      throw parser.error(parser.pos, "end of header after the literal");
    }
    return node;
  }

  /** Byte offset in the file of character {@code index} of the header text. */
  long byteOffset(int index) {
    return baseOffset
        + (utf8 ? text.substring(0, index).getBytes(StandardCharsets.UTF_8).length : index);
  }

  private NpyFormatException error(int at, String expected) {
    return new NpyFormatException(file, byteOffset(at), expected, snippet(text, at));
  }

  /** Up to 40 characters of {@code text} from {@code at}, quoted, for "found ..." messages. */
  static String snippet(String text, int at) {
    if (at >= text.length()) {
      return "end of header";
    }
    String s = text.substring(at, Math.min(text.length(), at + SNIPPET_CHARS)).strip();
    return "\"" + escaped(s, at + SNIPPET_CHARS < text.length()) + "\"";
  }

  /** Up to 40 characters of {@code s}, control characters escaped, for "found ..." messages. */
  static String excerpt(String s) {
    return escaped(s.substring(0, Math.min(s.length(), SNIPPET_CHARS)), s.length() > SNIPPET_CHARS);
  }

  /** {@code s} with control characters escaped, and "..." when it was cut short. */
  private static String escaped(String s, boolean cut) {
    StringBuilder out = new StringBuilder();
    s.codePoints()
        .forEach(
            c -> {
              if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", c));
              } else {
                out.appendCodePoint(c);
              }
            });
    return out.append(cut ? "..." : "").toString();
  }

  private void skipWhitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        pos++;
      } else if (c == '\\' && pos + 1 < text.length() && text.charAt(pos + 1) == '\n') {
        pos += 2; // explicit line continuation
      } else {
        return;
      }
    }
  }

  private Node value() throws NpyFormatException {
    if (pos >= text.length()) {
      throw error(pos, "a Python literal");
    }
    char c = text.charAt(pos);
    switch (c) {
      case '{' -> {
        return nested(this::dict);
      }
      case '(' -> {
        return nested(this::parenthesised);
      }
      case '[' -> {
        return nested(this::list);
      }
      case '\'', '"' -> {
        return string(pos, false);
      }
      case '-', '+' -> {
        return signed();
      }
      default -> {}
    }
    if (Character.isDigit(c) || c == '.') {
      return number(pos);
    }
    if (Character.isLetter(c) || c == '_') {
      return nameOrPrefixedString();
    }
    throw error(pos, "a Python literal");
  }

  private interface Production {
    Node parse() throws NpyFormatException;
  }

  private Node nested(Production production) throws NpyFormatException {
    if (++depth > MAX_DEPTH) {
      throw error(pos, "at most " + MAX_DEPTH + " levels of nesting");
    }
    Node node = production.parse();
    depth--;
    return node;
  }

  private Node dict() throws NpyFormatException {
    int start = pos++;
    List<Entry> entries = new ArrayList<>();
    while (true) {
      skipWhitespace();
      if (peek('}')) {
        pos++;
        return new Node(new Dict(List.copyOf(entries)), start, pos);
      }
      Node key = value();
      skipWhitespace();
      expect(':', "':' after a dict key");
      skipWhitespace();
      entries.add(new Entry(key, value()));
      if (!separator('}')) {
        throw error(pos, "',' or '}' in a dict");
      }
    }
  }

  private Node list() throws NpyFormatException {
    int start = pos++;
    List<Node> items = new ArrayList<>();
    while (true) {
      skipWhitespace();
      if (peek(']')) {
        pos++;
        return new Node(new PyList(List.copyOf(items)), start, pos);
      }
      items.add(value());
      if (!separator(']')) {
        throw error(pos, "',' or ']' in a list");
      }
    }
  }

  /** {@code ()} and {@code (x,)} are tuples, while {@code (x)} is just {@code x}, as in Python. */
  private Node parenthesised() throws NpyFormatException {
    int start = pos++;
    List<Node> items = new ArrayList<>();
    boolean sawComma = false;
    while (true) {
      skipWhitespace();
      if (peek(')')) {
        pos++;
        if (items.size() == 1 && !sawComma) {
          Node inner = items.get(0);
          return new Node(inner.value(), start, pos);
        }
        return new Node(new Tuple(List.copyOf(items)), start, pos);
      }
      items.add(value());
      skipWhitespace();
      if (peek(',')) {
        pos++;
        sawComma = true;
      } else if (!peek(')')) {
        throw error(pos, "',' or ')' in a tuple");
      }
    }
  }

  /** After an item: consumes a comma (true), or sees the closing bracket without consuming it. */
  private boolean separator(char close) {
    skipWhitespace();
    if (peek(',')) {
      pos++;
      return true;
    }
    return peek(close);
  }

  private Node signed() throws NpyFormatException {
    int start = pos;
    boolean negative = false;
    while (pos < text.length() && (peek('-') || peek('+'))) {
      negative ^= text.charAt(pos) == '-';
      pos++;
      skipWhitespace();
    }
    if (pos >= text.length() || !(Character.isDigit(text.charAt(pos)) || peek('.'))) {
      throw error(pos, "a number after a sign");
    }
    Node number = number(start);
    Object v = number.value();
    if (negative) {
      v = v instanceof BigInteger i ? i.negate() : Double.valueOf(-(Double) v);
    }
    return new Node(v, start, number.end());
  }

  private Node number(int start) throws NpyFormatException {
    int from = pos;
    while (pos < text.length()) {
      char c = text.charAt(pos);
      boolean exponentSign =
          (c == '+' || c == '-')
              && (text.charAt(pos - 1) == 'e' || text.charAt(pos - 1) == 'E')
              && !isHexToken(from);
      if (Character.isLetterOrDigit(c) || c == '_' || c == '.' || exponentSign) {
        pos++;
      } else {
        break;
      }
    }
    if (pos - from > MAX_NUMBER_CHARS) {
      throw new NpyFormatException(
          file,
          byteOffset(from),
          "a number of at most " + MAX_NUMBER_CHARS + " characters",
          "a number of " + (pos - from) + " characters " + snippet(text, from));
    }
    String token = text.substring(from, pos);
    Object value = integer(token);
    if (value == null) {
      value = floating(token);
    }
    if (value == null) {
      throw error(from, "a Python number");
    }
    return new Node(value, start, pos);
  }

  private boolean isHexToken(int from) {
    return text.regionMatches(true, from, "0x", 0, 2);
  }

  /** A Python int literal, or null when {@code token} is not one. */
  private static @Nullable BigInteger integer(String token) {
    String t = token;
    if (t.endsWith("L") || t.endsWith("l")) {
      t = t.substring(0, t.length() - 1); // numpy files written by Python 2 say e.g. (3L, 4L)
    }
    int radix = 10;
    if (t.length() > 2 && t.charAt(0) == '0') {
      char p = Character.toLowerCase(t.charAt(1));
      radix = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 10;
      if (radix != 10) {
        t = t.substring(t.charAt(2) == '_' ? 3 : 2);
      }
    }
    if (t.isEmpty() || t.startsWith("_") || t.endsWith("_") || t.contains("__")) {
      return null;
    }
    String digits = t.replace("_", "");
    for (int i = 0; i < digits.length(); i++) {
      if (Character.digit(digits.charAt(i), radix) < 0) {
        return null;
      }
    }
    if (radix == 10
        && digits.length() > 1
        && digits.charAt(0) == '0'
        && digits.chars().anyMatch(d -> d != '0')) {
      return null; // Python 3 rejects leading zeros such as 007
    }
    return new BigInteger(digits, radix);
  }

  /** A Python float literal, or null when {@code token} is not one. */
  private static @Nullable Double floating(String token) {
    if (token.startsWith("_") || token.endsWith("_") || token.contains("__")) {
      return null;
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (!(Character.isDigit(c)
          || c == '.'
          || c == 'e'
          || c == 'E'
          || c == '+'
          || c == '-'
          || c == '_')) {
        return null; // keeps Java-only forms such as 1f or 0x1p3 out
      }
    }
    try {
      return Double.valueOf(token.replace("_", ""));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private Node nameOrPrefixedString() throws NpyFormatException {
    int start = pos;
    while (pos < text.length()
        && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
      pos++;
    }
    String name = text.substring(start, pos);
    if (pos < text.length() && (peek('\'') || peek('"'))) {
      String prefix = name.toLowerCase(java.util.Locale.ROOT);
      if (prefix.equals("u") || prefix.equals("r")) {
        Node s = string(start, prefix.equals("r"));
        return new Node(s.value(), start, s.end());
      }
      throw error(start, "a str literal (no '" + name + "' prefix)");
    }
    return switch (name) {
      case "True" -> new Node(true, start, pos);
      case "False" -> new Node(false, start, pos);
      case "None" -> new Node(NONE, start, pos);
      default -> throw error(start, "a literal (True, False, None, a number, a string)");
    };
  }

  private Node string(int start, boolean raw) throws NpyFormatException {
    char quote = text.charAt(pos++);
    StringBuilder out = new StringBuilder();
    while (true) {
      if (pos >= text.length() || peek('\n')) {
        throw error(start, "a string closed by " + quote);
      }
      char c = text.charAt(pos++);
      if (c == quote) {
        return new Node(out.toString(), start, pos);
      }
      if (c != '\\') {
        out.append(c);
      } else if (raw) {
        out.append(c);
        if (pos < text.length()) {
          out.append(text.charAt(pos++));
        }
      } else {
        escape(out);
      }
    }
  }

  private void escape(StringBuilder out) throws NpyFormatException {
    if (pos >= text.length()) {
      throw error(pos, "an escape sequence");
    }
    int at = pos;
    char c = text.charAt(pos++);
    switch (c) {
      case '\n' -> {}
      case '\\', '\'', '"' -> out.append(c);
      case 'n' -> out.append('\n');
      case 'r' -> out.append('\r');
      case 't' -> out.append('\t');
      case 'a' -> out.append('\u0007');
      case 'b' -> out.append('\b');
      case 'f' -> out.append('\f');
      case 'v' -> out.append('\u000b');
      case 'x' -> out.appendCodePoint(hex(at, 2));
      case 'u' -> out.appendCodePoint(hex(at, 4));
      case 'U' -> out.appendCodePoint(hex(at, 8));
      default -> {
        if (c >= '0' && c <= '7') {
          int code = c - '0';
          for (int i = 0; i < 2 && pos < text.length(); i++) {
            int d = Character.digit(text.charAt(pos), 8);
            if (d < 0) {
              break;
            }
            code = code * 8 + d;
            pos++;
          }
          out.append((char) code);
        } else {
          out.append('\\').append(c); // Python keeps unknown escapes verbatim
        }
      }
    }
  }

  private int hex(int at, int digits) throws NpyFormatException {
    if (pos + digits > text.length()) {
      throw error(at, digits + " hex digits");
    }
    int code = 0;
    for (int i = 0; i < digits; i++) {
      int d = Character.digit(text.charAt(pos + i), 16);
      if (d < 0) {
        throw error(at, digits + " hex digits");
      }
      code = code * 16 + d;
    }
    if (!Character.isValidCodePoint(code)) {
      throw error(at, "a valid code point");
    }
    pos += digits;
    return code;
  }

  private boolean peek(char c) {
    return pos < text.length() && text.charAt(pos) == c;
  }

  private void expect(char c, String expected) throws NpyFormatException {
    if (!peek(c)) {
      throw error(pos, expected);
    }
    pos++;
  }
}
