package dev.memflux.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A file that appears at its destination whole or not at all. The content goes to a temporary file
 * beside the destination; {@link #commit()} syncs it, renames it over the destination and syncs the
 * directory. Until then the destination keeps its previous content (or stays absent), and closing
 * without a commit, after an error or a crash, leaves it so. A reader that has the old file open
 * keeps reading the old bytes: the new content is a new file, not a rewrite of the old one.
 *
 * <pre>{@code
 * try (AtomicFile out = AtomicFile.create(Path.of("report.json"))) {
 *   out.channel().write(ByteBuffer.wrap(json));
 *   out.commit();
 * }
 * // or, for content already in memory:
 * AtomicFile.writeString(Path.of("report.json"), json);
 * }</pre>
 *
 * <p>A destination that is a symbolic link keeps the link: the file it points to is replaced
 * (atomically, in that file's directory). An existing destination must be a regular file; the new
 * file takes its permissions. Temporary files are named {@code .NAME.PID-N.tmp}; one left behind by
 * a process that died (kill -9, power loss) is removed by the next {@code create} of the same
 * destination. Errors are {@link IOException}s whose message names the destination and the cause.
 */
public final class AtomicFile implements AutoCloseable {

  /** The most symbolic links followed from a destination to the file it names, as Linux does. */
  private static final int MAX_LINKS = 40;

  private static final AtomicLong COUNTER = new AtomicLong();
  private static final long PID = ProcessHandle.current().pid();
  private static final boolean WINDOWS =
      System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows");

  private final Path destination;
  private final Path target;
  private final Path temporary;
  private final FileChannel channel;
  private boolean committed;
  private boolean closed;

  private AtomicFile(Path destination, Path target, Path temporary, FileChannel channel) {
    this.destination = destination;
    this.target = target;
    this.temporary = temporary;
    this.channel = channel;
  }

  /**
   * Opens an empty temporary file beside {@code destination} (beside the file it links to, for a
   * symbolic link) for the new content. Removes temporary files of the same destination left by
   * processes that no longer run.
   *
   * @throws IOException naming {@code destination} when it is not a regular file, its directory is
   *     missing or unwritable, or the temporary file cannot be made
   */
  public static AtomicFile create(Path destination) throws IOException {
    Objects.requireNonNull(destination, "destination");
    Path target = followLinks(destination);
    if (Files.exists(target) && !Files.isRegularFile(target)) {
      throw new FileSystemException(
          destination.toString(),
          null,
          Files.isDirectory(target) ? "is a directory" : "not a regular file");
    }
    Path dir = directoryOf(target);
    String name = target.getFileName().toString();
    removeStale(dir, name);
    for (int attempt = 0; ; attempt++) {
      Path temporary = dir.resolve(temporaryName(name));
      try {
        FileChannel channel =
            FileChannel.open(
                temporary,
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        AtomicFile file = new AtomicFile(destination, target, temporary, channel);
        try {
          file.keepPermissions();
        } catch (IOException | RuntimeException | Error e) {
          file.closeAfter(e);
          throw e;
        }
        return file;
      } catch (FileAlreadyExistsException e) {
        if (attempt == 3) {
          throw failure(destination, "cannot create a temporary file beside it", e);
        }
      } catch (IOException e) {
        throw failure(destination, "cannot create a temporary file beside it", e);
      }
    }
  }

  /** Writes {@code content} to {@code destination}, whole or not at all. */
  public static void write(Path destination, byte[] content) throws IOException {
    try (AtomicFile file = create(destination)) {
      ByteBuffer bytes = ByteBuffer.wrap(content);
      try {
        while (bytes.hasRemaining()) {
          file.channel.write(bytes);
        }
      } catch (IOException e) {
        throw failure(destination, "cannot write", e);
      }
      file.commit();
    }
  }

  /** Writes {@code content} as UTF-8 to {@code destination}, whole or not at all. */
  public static void writeString(Path destination, CharSequence content) throws IOException {
    write(destination, content.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The destination, as given to {@link #create}. */
  public Path destination() {
    return destination;
  }

  /** The temporary file the content goes to until {@link #commit()}. */
  Path temporary() {
    return temporary;
  }

  /**
   * The channel to the temporary file, for writing (and reading back) the new content. Do not close
   * it; {@link #commit()} and {@link #close()} do.
   *
   * @throws IllegalStateException once committed or closed
   */
  public FileChannel channel() {
    checkOpen();
    return channel;
  }

  /**
   * Makes the written content the destination's: syncs the temporary file to the device, renames it
   * over the destination (or the file a symbolic link there points to) and syncs the directory, so
   * the new content survives a crash once this returns.
   *
   * @throws IOException naming the destination and the cause; the destination then keeps its
   *     previous content, unless the rename already happened and only the directory sync failed
   * @throws IllegalStateException once committed or closed
   */
  public void commit() throws IOException {
    checkOpen();
    try {
      channel.force(true);
      channel.close();
    } catch (IOException e) {
      throw failure(destination, "cannot write", e);
    }
    try {
      Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw failure(destination, "cannot replace it with " + temporary.getFileName(), e);
    }
    committed = true;
    try {
      syncDirectory(directoryOf(target));
    } catch (IOException e) {
      throw failure(destination, "written, but its directory cannot be synced", e);
    }
  }

  /** Closes the file; without a {@link #commit()}, deletes the temporary file. Idempotent. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      channel.close();
    } finally {
      if (!committed) {
        Files.deleteIfExists(temporary);
      }
    }
  }

  /**
   * Syncs the entries of {@code dir} (a rename or a new file in it) to the device. A no-op on
   * Windows, which cannot open a directory and makes renames durable by itself.
   */
  public static void syncDirectory(Path dir) throws IOException {
    if (WINDOWS) {
      return;
    }
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  /**
   * An {@link IOException} whose message names {@code file}, what failed and the cause's own
   * message (such as "No space left on device").
   */
  static IOException failure(Path file, String what, IOException cause) {
    String reason =
        cause instanceof FileSystemException fs && fs.getReason() != null
            ? fs.getReason()
            : cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    return new IOException(file + ": " + what + ": " + reason, cause);
  }

  private void checkOpen() {
    if (committed || closed) {
      throw new IllegalStateException(
          destination + ": the atomic file is already " + (committed ? "committed" : "closed"));
    }
  }

  private void closeAfter(Throwable failure) {
    try {
      close();
    } catch (IOException suppressed) {
      failure.addSuppressed(suppressed);
    }
  }

  /** The new file takes the old one's permissions, so replacing a file does not change them. */
  private void keepPermissions() throws IOException {
    PosixFileAttributeView old = Files.getFileAttributeView(target, PosixFileAttributeView.class);
    if (old != null && Files.exists(target)) {
      Files.getFileAttributeView(temporary, PosixFileAttributeView.class)
          .setPermissions(old.readAttributes().permissions());
    }
  }

  /** The file {@code path} names once its symbolic links are followed (it may not exist yet). */
  private static Path followLinks(Path path) throws IOException {
    Path p = path;
    for (int links = 0; Files.isSymbolicLink(p); links++) {
      if (links == MAX_LINKS) {
        throw new FileSystemException(path.toString(), null, "too many levels of symbolic links");
      }
      Path link = Files.readSymbolicLink(p);
      p = p.getParent() == null ? link : p.getParent().resolve(link);
    }
    return p;
  }

  private static Path directoryOf(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    return parent != null ? parent : file.toAbsolutePath().getRoot();
  }

  private static String temporaryName(String name) {
    return "." + stem(name) + "." + PID + "-" + COUNTER.incrementAndGet() + ".tmp";
  }

  /** The destination's name as temporary names hold it: within the 255 bytes file systems allow. */
  private static String stem(String name) {
    return name.length() > 200 ? name.substring(0, 200) : name;
  }

  /**
   * Deletes the temporary files of {@code name} whose writer is no longer alive on this machine. A
   * live writer's file (or one whose process id was reused) is left alone.
   */
  private static void removeStale(Path dir, String name) {
    String base = stem(name);
    Pattern pattern = Pattern.compile("\\." + Pattern.quote(base) + "\\.(\\d+)-\\d+\\.tmp");
    String prefix = "." + base + ".";
    try (DirectoryStream<Path> entries =
        Files.newDirectoryStream(dir, p -> p.getFileName().toString().startsWith(prefix))) {
      for (Path entry : entries) {
        Matcher m = pattern.matcher(entry.getFileName().toString());
        if (m.matches() && !alive(m.group(1)) && !Files.isSymbolicLink(entry)) {
          Files.deleteIfExists(entry);
        }
      }
    } catch (IOException | RuntimeException e) {
      // Best effort: a stale file wastes space but does no harm, and the write can go on.
    }
  }

  private static boolean alive(String pid) {
    try {
      long id = Long.parseLong(pid);
      return id == PID || ProcessHandle.of(id).map(ProcessHandle::isAlive).orElse(false);
    } catch (NumberFormatException e) {
      return true;
    }
  }
}
