package dev.memflux.core;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The .npz conventions over a ZIP archive ({@link ZipDirectory}): members named by numpy's keys
 * ({@code x} for {@code x.npy}), and where a stored member's .npy bytes lie, to be mapped in place.
 */
final class Npz {

  private static final String NPY = ".npy";

  /**
   * Where a stored member's .npy file lies in the archive.
   *
   * @param entryName the member's file name in the archive
   * @param start file offset of its first byte (the .npy magic string)
   * @param end file offset just past its last byte
   */
  record Region(String entryName, long start, long end) {}

  private Npz() {}

  /** numpy's key for the member named {@code entryName}: the name without {@code .npy}. */
  static String key(String entryName) {
    return entryName.endsWith(NPY)
        ? entryName.substring(0, entryName.length() - NPY.length())
        : entryName;
  }

  /** The members of the archive in {@code channel}, in directory order; directories left out. */
  static List<NpzMember> members(FileChannel channel, Path file) throws IOException {
    List<NpzMember> members = new ArrayList<>();
    for (ZipDirectory.Entry e : ZipDirectory.read(channel, file).entries()) {
      if (!e.name().endsWith("/")) {
        members.add(new NpzMember(key(e.name()), e.methodName(), e.size(), e.compressedSize()));
      }
    }
    return members;
  }

  /**
   * Where member {@code member} lies: the member of that file name, or else of that key (as numpy's
   * {@code NpzFile} looks members up; the last of equal names, as Python's {@code zipfile} takes).
   *
   * @throws IOException naming the archive and the member when there is no such member, or it is
   *     compressed or encrypted, which cannot be mapped
   * @throws NpyFormatException when the archive is damaged
   */
  static Region locate(FileChannel channel, Path file, String member) throws IOException {
    Objects.requireNonNull(member, "member");
    ZipDirectory.Listing listing = ZipDirectory.read(channel, file);
    ZipDirectory.Entry found = null;
    for (String name : new String[] {member, member + NPY}) {
      for (ZipDirectory.Entry e : listing.entries()) {
        if (e.name().equals(name)) {
          found = e;
        }
      }
      if (found != null) {
        break;
      }
    }
    if (found == null) {
      throw new IOException(
          file
              + ": no member '"
              + member
              + "' in this .npz; its members: "
              + (listing.entries().isEmpty()
                  ? "none"
                  : listing.entries().stream()
                      .map(e -> key(e.name()))
                      .collect(Collectors.joining(", "))));
    }
    if (found.encrypted()) {
      throw new IOException(
          file + ": member '" + member + "' is encrypted, which memflux cannot read");
    }
    if (found.method() != ZipDirectory.STORED) {
      throw new IOException(
          file
              + ": member '"
              + member
              + "' is compressed ("
              + found.methodName()
              + (found.method() == ZipDirectory.DEFLATED ? ", as np.savez_compressed writes" : "")
              + "), and only stored members (np.savez) can be memory-mapped; store them with:"
              + " memflux convert npz "
              + file
              + " OUT.npz");
    }
    long start = ZipDirectory.dataOffset(channel, file, listing, found);
    return new Region(found.name(), start, start + found.size());
  }
}
