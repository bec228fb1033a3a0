package dev.memflux.samples.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputPlacesTest {

  @TempDir Path dir;

  @Test
  void aDirectoryOrAMissingOneUnderADirectoryIsFineAndNothingIsCreated() throws IOException {
    assertThatCode(() -> OutputPlaces.directory("--report", dir)).doesNotThrowAnyException();
    assertThatCode(() -> OutputPlaces.directory("--report", dir.resolve("a/b/c")))
        .doesNotThrowAnyException();
    assertThatCode(() -> OutputPlaces.file("--json", dir.resolve("a/bench.json")))
        .doesNotThrowAnyException();

    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void aFileWhereADirectoryShouldBeIsNamed() throws IOException {
    Path file = Files.writeString(dir.resolve("f"), "x");

    assertThatThrownBy(() -> OutputPlaces.directory("--report", file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--report " + file + ": exists and is not a directory");
    assertThatThrownBy(() -> OutputPlaces.directory("--checkpoint", file.resolve("sub/dir")))
        .hasMessage(
            "--checkpoint " + file.resolve("sub/dir") + ": " + file + " is not a directory");
    assertThatThrownBy(() -> OutputPlaces.file("--json", file.resolve("bench.json")))
        .hasMessage("--json " + file.resolve("bench.json") + ": " + file + " is not a directory");
  }

  @Test
  void aDirectoryWhereAFileShouldBeIsNamedAndAnExistingFileIsFine() throws IOException {
    Path file = Files.writeString(dir.resolve("bench.json"), "{}");

    assertThatThrownBy(() -> OutputPlaces.file("--json", dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--json " + dir + ": is a directory");
    assertThatCode(() -> OutputPlaces.file("--json", file)).doesNotThrowAnyException();
    assertThat(Files.readString(file)).isEqualTo("{}");
  }

  @Test
  void aPlaceThatRefusesNewFilesIsNamedWithTheReason() throws IOException {
    Path unwritable = Unwritable.directory(dir);

    assertThatThrownBy(() -> OutputPlaces.directory("--report", unwritable.resolve("r")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "--report " + unwritable.resolve("r") + ": cannot create files in " + unwritable + ": ")
        .hasMessageMatching(".*: (permission denied|Read-only file system)");
    assertThatThrownBy(() -> OutputPlaces.file("--json", unwritable.resolve("bench.json")))
        .hasMessageStartingWith(
            "--json " + unwritable.resolve("bench.json") + ": cannot create files in ");
  }
}
