package dev.memflux.samples.data;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.memflux.core.NpyArray;
import dev.memflux.core.NpzMember;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The members of an .npz, as {@code memflux inspect} lists them: per member its name, how it is
 * held, and for a stored member (the only kind memflux maps) its shape and dtype; as aligned text
 * or one JSON object.
 *
 * <pre>{@code
 * System.out.println(NpzSummary.of(Path.of("data.npz")).toText());
 * }</pre>
 *
 * @param file the archive
 * @param members its members, in the archive's order
 */
public record NpzSummary(Path file, List<Member> members) {

  /**
   * One member.
   *
   * @param member what the archive says of it
   * @param shape its shape when stored, else null (a compressed member is not read)
   * @param descr its dtype when stored, else null
   */
  public record Member(NpzMember member, long @Nullable [] shape, @Nullable String descr) {

    /** Copies the shape in. */
    public Member {
      shape = shape == null ? null : shape.clone();
    }

    /** The shape, or null; a copy. */
    @Override
    public long @Nullable [] shape() {
      return shape == null ? null : shape.clone();
    }
  }

  /** Copies the members in. */
  public NpzSummary {
    members = List.copyOf(members);
  }

  /**
   * Lists the members of {@code file}, opening each stored one to read its shape and dtype.
   *
   * @throws IOException when the file is not an .npz or a stored member's header is damaged
   */
  public static NpzSummary of(Path file) throws IOException {
    List<Member> members = new ArrayList<>();
    for (NpzMember m : NpyArray.npzMembers(file)) {
      if (!m.stored()) {
        members.add(new Member(m, null, null));
        continue;
      }
      try (NpyArray array = NpyArray.openNpz(file, m.name())) {
        members.add(new Member(m, array.shape(), array.dtype().descr()));
      }
    }
    return new NpzSummary(file, members);
  }

  /** Aligned lines: the file, then one line per member. */
  public String toText() {
    String nl = System.lineSeparator();
    int width = 4;
    for (Member m : members) {
      width = Math.max(width, m.member().name().length());
    }
    StringBuilder s = new StringBuilder();
    s.append(String.format("%-9s%s", "file:", file)).append(nl);
    s.append(String.format("%-9s%d", "members:", members.size()));
    if (!members.isEmpty()) {
      s.append(" (an .npz: inspect one with --member NAME)");
    }
    boolean compressed = false;
    for (Member m : members) {
      NpzMember z = m.member();
      s.append(nl)
          .append(
              String.format(Locale.ROOT, "  %-" + width + "s  %-8s", z.name(), z.compression()));
      if (m.shape() != null) {
        s.append(
            String.format(
                Locale.ROOT,
                "%s %s, %d bytes",
                NpyArray.shapeString(m.shape()),
                m.descr(),
                z.size()));
      } else {
        compressed = true;
        s.append(
            String.format(
                Locale.ROOT,
                "%d bytes (%d compressed), not mappable",
                z.size(),
                z.compressedSize()));
      }
    }
    if (compressed) {
      s.append(nl)
          .append("compressed members cannot be memory-mapped: memflux convert npz ")
          .append(file)
          .append(" OUT.npz stores them");
    }
    return s.toString();
  }

  /**
   * One JSON object: {@code {"members": [{"name", "compression", "size", "compressed_size",
   * "shape", "descr"}, ...]}}, shape and descr null for a compressed member.
   */
  public String toJson() {
    JsonArray list = new JsonArray();
    for (Member m : members) {
      JsonObject json = new JsonObject();
      json.addProperty("name", m.member().name());
      json.addProperty("compression", m.member().compression());
      json.addProperty("size", m.member().size());
      json.addProperty("compressed_size", m.member().compressedSize());
      if (m.shape() == null) {
        json.add("shape", JsonNull.INSTANCE);
        json.add("descr", JsonNull.INSTANCE);
      } else {
        JsonArray dims = new JsonArray();
        for (long d : m.shape()) {
          dims.add(d);
        }
        json.add("shape", dims);
        json.addProperty("descr", m.descr());
      }
      list.add(json);
    }
    JsonObject json = new JsonObject();
    json.add("members", list);
    return new GsonBuilder().disableHtmlEscaping().serializeNulls().create().toJson(json);
  }
}
