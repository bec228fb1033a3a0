package dev.memflux.samples.data;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Checks, before a command starts its work, that the places it will write its outputs to can take
 * them, so that a typo costs a second and not an epoch of training. Nothing is created: a missing
 * directory is fine when its nearest existing ancestor is a directory that takes new files, which
 * is tried by creating (and deleting) an empty file there.
 *
 * <pre>{@code
 * OutputPlaces.directory("--report", Path.of("out/report"));
 * OutputPlaces.file("--json", Path.of("bench.json"));
 * }</pre>
 */
public final class OutputPlaces {

  private OutputPlaces() {}

  /**
   * Checks that {@code dir} is, or can be created as, a directory that takes new files.
   *
   * @param option the command line option that named it, for the message
   * @throws IllegalArgumentException naming the option, the place and why it cannot be written
   */
  public static void directory(String option, Path dir) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw unusable(option, dir, "exists and is not a directory");
    }
    checkTakesFiles(option, dir, nearestExisting(option, dir, dir));
  }

  /**
   * Checks that a file can be written (created or replaced) at {@code file}.
   *
   * @param option the command line option that named it, for the message
   * @throws IllegalArgumentException naming the option, the place and why it cannot be written
   */
  public static void file(String option, Path file) {
    if (Files.isDirectory(file)) {
      throw unusable(option, file, "is a directory");
    }
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      if (!Files.isRegularFile(file)) {
        throw unusable(option, file, "exists and is not a regular file");
      }
      if (!Files.isWritable(file)) {
        throw unusable(option, file, "exists and is not writable");
      }
    }
    checkTakesFiles(option, file, nearestExisting(option, file, file.toAbsolutePath().getParent()));
  }

  /**
   * The nearest of {@code dir} and its ancestors that exists, which must be a directory; {@code
   * place} is the output's place, for the message.
   */
  private static Path nearestExisting(String option, Path place, @Nullable Path dir) {
    @Nullable Path at = dir == null ? null : dir.toAbsolutePath();
    while (at != null && !Files.exists(at)) {
      at = at.getParent();
    }
    if (at == null) {
      throw unusable(option, place, "no part of it exists");
    }
    if (!Files.isDirectory(at)) {
      throw unusable(option, place, at + " is not a directory");
    }
    return at;
  }

  private static void checkTakesFiles(String option, Path place, Path dir) {
    try {
      Files.delete(Files.createTempFile(dir, ".memflux-", ".probe"));
    } catch (AccessDeniedException e) {
      throw unusable(option, place, "cannot create files in " + dir + ": permission denied");
    } catch (FileSystemException e) {
      String reason =
          e.getReason() != null
              ? e.getReason()
              : e instanceof NoSuchFileException
                  ? "no such directory"
                  : e.getClass().getSimpleName();
      throw unusable(option, place, "cannot create files in " + dir + ": " + reason);
    } catch (IOException e) {
      throw unusable(option, place, "cannot create files in " + dir + ": " + e.getMessage());
    }
  }

  private static IllegalArgumentException unusable(String option, Path place, String why) {
    return new IllegalArgumentException(option + " " + place + ": " + why);
  }
}
