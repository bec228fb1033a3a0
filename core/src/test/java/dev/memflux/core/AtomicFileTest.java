package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memflux.core.testing.Fifo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {

  @TempDir Path dir;

  @Test
  void commitReplacesTheFileAndAReaderOfTheOldOneKeepsTheOldBytes() throws IOException {
    Path out = dir.resolve("out.txt");
    Files.writeString(out, "old content");
    try (FileChannel reader = FileChannel.open(out, StandardOpenOption.READ);
        AtomicFile file = AtomicFile.create(out)) {
      file.channel().write(ByteBuffer.wrap("new".getBytes(StandardCharsets.UTF_8)));
      assertThat(Files.readString(out)).as("before the commit").isEqualTo("old content");
      file.commit();
      assertThat(Files.readString(out)).isEqualTo("new");
      ByteBuffer old = ByteBuffer.allocate(64);
      reader.read(old, 0);
      assertThat(new String(old.array(), 0, old.position(), StandardCharsets.UTF_8))
          .isEqualTo("old content");
    }
    assertThat(entries()).containsExactly("out.txt");
  }

  @Test
  void closingWithoutACommitLeavesThePreviousFileAndNoTemporaryFile() throws IOException {
    Path out = dir.resolve("out.txt");
    Files.writeString(out, "old");
    try (AtomicFile file = AtomicFile.create(out)) {
      file.channel().write(ByteBuffer.wrap(new byte[1000]));
      assertThat(entries()).hasSize(2);
    }
    assertThat(Files.readString(out)).isEqualTo("old");
    assertThat(entries()).containsExactly("out.txt");
  }

  @Test
  void aSymbolicLinkStaysAndTheFileItPointsToIsReplaced() throws IOException {
    Path data = Files.createDirectory(dir.resolve("data"));
    Path target = data.resolve("real.txt");
    Files.writeString(target, "old");
    Path link = Files.createSymbolicLink(dir.resolve("link.txt"), Path.of("data/real.txt"));

    AtomicFile.writeString(link, "new");

    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("data/real.txt"));
    assertThat(Files.readString(target)).isEqualTo("new");
    try (Stream<Path> files = Files.list(data)) {
      assertThat(files).as("the temporary file was made beside the target").hasSize(1);
    }
  }

  @Test
  void aDanglingLinkGetsItsTargetCreated() throws IOException {
    Path link = Files.createSymbolicLink(dir.resolve("link.txt"), Path.of("new.txt"));
    AtomicFile.writeString(link, "made");
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(Files.readString(dir.resolve("new.txt"))).isEqualTo("made");
  }

  @Test
  void theNewFileKeepsThePermissionsOfTheOld() throws IOException {
    Path out = dir.resolve("out.txt");
    Files.writeString(out, "old");
    Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-r-----"));
    AtomicFile.writeString(out, "new");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out)))
        .isEqualTo("rw-r-----");
  }

  @Test
  void aDirectoryOrAMissingDirectoryIsRefusedByName() throws IOException {
    assertThatThrownBy(() -> AtomicFile.create(dir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("is a directory");
    Path missing = dir.resolve("no/such/out.txt");
    assertThatThrownBy(() -> AtomicFile.writeString(missing, "x"))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(missing + ": cannot create a temporary file beside it");
  }

  @Test
  void aFifoIsRefusedRatherThanReplaced() throws Exception {
    Path fifo = dir.resolve("fifo");
    Fifo.make(fifo);
    assertThatThrownBy(() -> AtomicFile.writeString(fifo, "x"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(fifo + ": not a regular file");
    assertThat(Files.isRegularFile(fifo)).isFalse();
    assertThat(Files.exists(fifo)).isTrue();
  }

  @Test
  void aTemporaryFileOfADeadWriterIsRemovedAndALiveOnesIsKept() throws IOException {
    Path out = dir.resolve("out.npy");
    // Linux process ids stay below 2^22, so this writer cannot be alive.
    Path dead = Files.writeString(dir.resolve(".out.npy.999999999-7.tmp"), "partial");
    Path live =
        Files.writeString(
            dir.resolve(".out.npy." + ProcessHandle.current().pid() + "-999999.tmp"), "writing");
    Path other = Files.writeString(dir.resolve(".other.npy.999999999-1.tmp"), "not ours");
    AtomicFile.writeString(out, "new");
    assertThat(dead).doesNotExist();
    assertThat(live).exists();
    assertThat(other).exists();
  }

  @Test
  void useAfterCommitOrCloseIsRefused() throws IOException {
    Path out = dir.resolve("out.txt");
    AtomicFile file = AtomicFile.create(out);
    file.commit();
    assertThatThrownBy(file::commit)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already committed");
    assertThatThrownBy(file::channel).isInstanceOf(IllegalStateException.class);
    file.close();
    assertThat(out).exists().isEmptyFile();
  }

  private List<String> entries() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
