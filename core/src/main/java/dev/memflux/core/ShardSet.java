package dev.memflux.core;

import dev.memflux.core.MappedChunks.Windowing;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The data of {@link NpyArray#openShards}: the rows of several .npy files of one dtype and row
 * shape as one array, in the order of the files. Owns the shards: releasing it closes them.
 */
final class ShardSet implements ArrayData {

  private static final System.Logger LOG = System.getLogger(ShardSet.class.getName());

  private final NpyArray[] shards;
  private final MappedReader[] files;
  private final RowLayout layout;

  private ShardSet(NpyArray[] shards) {
    this.shards = shards;
    List<MappedReader> all = new ArrayList<>();
    RowLayout[] layouts = new RowLayout[shards.length];
    int[] firstFile = new int[shards.length];
    long[] firstRow = new long[shards.length + 1];
    for (int k = 0; k < shards.length; k++) {
      layouts[k] = shards[k].layout().orElseThrow();
      firstFile[k] = all.size();
      all.addAll(Arrays.asList(shards[k].files()));
      firstRow[k + 1] = firstRow[k] + shards[k].rows();
    }
    this.files = all.toArray(new MappedReader[0]);
    this.layout = new Rows(layouts, firstFile, firstRow, shards[0].rowBytes());
  }

  /**
   * {@link NpyArray#openShards(List)}: opens every file, checks that they agree, and makes the
   * array; exception-safe (a failure closes what was opened).
   */
  static NpyArray open(List<Path> paths, Windowing windowing) throws IOException {
    Objects.requireNonNull(paths, "paths");
    if (paths.isEmpty()) {
      throw new IllegalArgumentException("openShards needs at least one file");
    }
    NpyArray[] shards = new NpyArray[paths.size()];
    try {
      for (int k = 0; k < shards.length; k++) {
        shards[k] =
            NpyOpener.open(Objects.requireNonNull(paths.get(k), "paths[" + k + "]"), windowing);
        check(shards[0], shards[k], k);
      }
      for (int k = 0; k < shards.length; k++) {
        if (shards[k].rows() == 0) {
          LOG.log(
              Level.WARNING,
              "shard {0} ({1}) is empty: it adds no rows to the {2} of the other shards",
              k,
              shards[k].path(),
              Arrays.stream(shards).mapToLong(NpyArray::rows).sum());
        }
      }
      long rows = 0;
      for (NpyArray s : shards) {
        rows = Math.addExact(rows, s.rows());
      }
      long[] shape = shards[0].shape();
      shape[0] = rows;
      NpyArray first = shards[0];
      return new NpyArray(
          name(paths),
          first.path(),
          first.dtype(),
          shape,
          first.fortranOrder(),
          first.version(),
          new ShardSet(shards),
          null);
    } catch (IOException | RuntimeException | Error e) {
      for (NpyArray s : shards) {
        if (s != null) {
          s.close();
        }
      }
      throw e;
    }
  }

  /**
   * The files of {@code directory} whose names match {@code glob} ({@link
   * java.nio.file.FileSystem#getPathMatcher} syntax, such as {@code "train_*.npy"}), in name order
   * with numbers compared by value: {@code shard_2} before {@code shard_10}.
   *
   * @throws IOException when the directory cannot be read, or no file matches
   */
  static List<Path> list(Path directory, String glob) throws IOException {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(glob, "glob");
    List<Path> found = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, glob)) {
      for (Path p : entries) {
        if (Files.isRegularFile(p)) {
          found.add(p);
        }
      }
    }
    if (found.isEmpty()) {
      throw new IOException(directory + ": no file matches '" + glob + "'");
    }
    found.sort(Comparator.comparing(p -> p.getFileName().toString(), ShardSet::compareNatural));
    return found;
  }

  /** Compares names as people sort them: runs of digits by value, the rest by character. */
  static int compareNatural(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      char x = a.charAt(i);
      char y = b.charAt(j);
      if (Character.isDigit(x) && Character.isDigit(y)) {
        int iEnd = i;
        while (iEnd < a.length() && Character.isDigit(a.charAt(iEnd))) {
          iEnd++;
        }
        int jEnd = j;
        while (jEnd < b.length() && Character.isDigit(b.charAt(jEnd))) {
          jEnd++;
        }
        String p = a.substring(i, iEnd).replaceFirst("^0+(?=.)", "");
        String q = b.substring(j, jEnd).replaceFirst("^0+(?=.)", "");
        int c = p.length() != q.length() ? Integer.compare(p.length(), q.length()) : p.compareTo(q);
        if (c != 0) {
          return c;
        }
        i = iEnd;
        j = jEnd;
      } else {
        if (x != y) {
          return Character.compare(x, y);
        }
        i++;
        j++;
      }
    }
    int c = Integer.compare(a.length() - i, b.length() - j);
    return c != 0 ? c : a.compareTo(b);
  }

  /** Refuses shard {@code k} when it disagrees with the first, saying how. */
  private static void check(NpyArray first, NpyArray shard, int k) {
    String which = "shard " + k + " (" + shard.path() + ")";
    if (shard.ndim() == 0) {
      throw new IllegalArgumentException(
          which + " is a 0-d array; shards need rows (shape (N, ...))");
    }
    if (shard.layout().isEmpty()) {
      throw new IllegalArgumentException(
          which
              + " is in Fortran order, whose rows are not contiguous; shards must be C-ordered"
              + " (np.ascontiguousarray)");
    }
    if (!shard.dtype().equals(first.dtype())) {
      throw new IllegalArgumentException(
          which
              + " has dtype "
              + shard.dtype().descr()
              + ", but shard 0 ("
              + first.path()
              + ") has "
              + first.dtype().descr()
              + "; every shard needs the same dtype and byte order");
    }
    if (!Arrays.equals(shard.rowShape(), first.rowShape())) {
      throw new IllegalArgumentException(
          which
              + " has rows of shape "
              + NpyHeader.shapeString(shard.rowShape())
              + " (array "
              + NpyHeader.shapeString(shard.shape())
              + "), but shard 0 ("
              + first.path()
              + ") has rows of shape "
              + NpyHeader.shapeString(first.rowShape())
              + " (array "
              + NpyHeader.shapeString(first.shape())
              + ")");
    }
  }

  private static String name(List<Path> paths) {
    return paths.size() == 1
        ? "shards [" + paths.get(0) + "]"
        : "shards ["
            + paths.get(0)
            + " .. "
            + paths.get(paths.size() - 1)
            + ", "
            + paths.size()
            + " files]";
  }

  @Override
  public RowLayout layout() {
    return layout;
  }

  @Override
  public MappedReader[] files() {
    return files;
  }

  @Override
  public long elementOffset(long[] index) {
    throw new UnsupportedOperationException("shards have a layout");
  }

  @Override
  public void gatherStrided(long[] ids, int from, int count, ByteBuffer out, int at) {
    throw new UnsupportedOperationException("shards have a layout");
  }

  @Override
  public @Nullable ElementWriter writer() {
    return null;
  }

  @Override
  public long dataBytes() {
    long bytes = 0;
    for (NpyArray s : shards) {
      bytes += s.dataBytes();
    }
    return bytes;
  }

  @Override
  public void release() {
    for (NpyArray s : shards) {
      s.close();
    }
  }

  /**
   * The layout of shards one after the other: row {@code r} is row {@code r - firstRow[k]} of shard
   * {@code k}, whose files come at {@code firstFile[k]} in the set's files.
   */
  private record Rows(RowLayout[] shards, int[] firstFile, long[] firstRow, long rowBytes)
      implements RowLayout {

    @Override
    public long rows() {
      return firstRow[shards.length];
    }

    /** The shard holding row {@code row}: the last whose first row is at or before it. */
    private int shard(long row) {
      int k = Arrays.binarySearch(firstRow, 0, shards.length, row);
      if (k < 0) {
        return -k - 2;
      }
      // equal first rows: empty shards before the one that holds the row
      while (k + 1 < shards.length && firstRow[k + 1] == row) {
        k++;
      }
      return k;
    }

    @Override
    public int file(long row) {
      int k = shard(row);
      return firstFile[k] + shards[k].file(row - firstRow[k]);
    }

    @Override
    public long offset(long row) {
      int k = shard(row);
      return shards[k].offset(row - firstRow[k]);
    }

    @Override
    public long contiguousRows(long row, long max) {
      int k = shard(row);
      long local = row - firstRow[k];
      return shards[k].contiguousRows(local, Math.min(max, firstRow[k + 1] - row));
    }
  }
}
