package dev.memflux.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** Issue 18: {@code --version} says the build's version; {@code completion} completes in bash. */
class VersionAndCompletionTest {

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.commandLine()
        .setOut(new PrintWriter(out))
        .setErr(new PrintWriter(err))
        .execute(args);
  }

  /** The version in samples/pom.xml (its parent's: the module inherits it). */
  private static String pomVersion() throws Exception {
    Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse("pom.xml");
    return XPathFactory.newInstance().newXPath().evaluate("/project/parent/version", pom);
  }

  @Test
  void versionIsTheProjectVersionFromTheBuild() throws Exception {
    String version = pomVersion();
    assertThat(version).isNotBlank();

    assertThat(run("--version")).isZero();

    assertThat(out.toString().lines()).containsExactly("memflux " + version);
    assertThat(MemfluxVersion.version()).isEqualTo(version);
  }

  @Test
  void everyCommandPrintsTheSameVersion() throws Exception {
    for (String command : List.of("train", "inspect", "convert", "bench", "soak", "completion")) {
      out.getBuffer().setLength(0);

      assertThat(run(command, "--version")).as(command).isZero();

      assertThat(out.toString().lines()).as(command).containsExactly("memflux " + pomVersion());
    }
  }

  @Test
  void completionPrintsAPicocliScriptForEveryCommand() {
    assertThat(run("completion")).isZero();

    assertThat(out.toString())
        .startsWith("#!/usr/bin/env bash")
        .contains("complete -F _complete_memflux -o default memflux")
        .contains("function _picocli_memflux_train()", "function _picocli_memflux_convert_idx()");
    assertThat(err.toString()).isEmpty();
  }

  /** The script, sourced in bash, completes commands, options and option values. */
  @Test
  void theScriptCompletesInBash() throws Exception {
    assertThat(run("completion")).isZero();
    Path script = Files.writeString(dir.resolve("memflux-completion.bash"), out.toString());

    assertThat(complete(script, "memflux", "con")).isEqualTo("convert");
    assertThat(complete(script, "memflux", "train", "--mo")).isEqualTo("--model");
    assertThat(complete(script, "memflux", "convert", "")).isEqualTo("idx raw npz");
    assertThat(complete(script, "memflux", "bench", "--only", "")).contains("loader", "train");
  }

  /** What bash offers for the last of {@code words}, space-separated, via the script. */
  private String complete(Path script, String... words) throws Exception {
    String line = String.join(" ", words);
    // compopt works only while bash runs a completion for real; here the function is called.
    String program =
        "source "
            + script
            + "\ncompopt() { :; }"
            + "\nCOMP_WORDS=("
            + String.join(" ", quoted(words))
            + ")\nCOMP_CWORD="
            + (words.length - 1)
            + "\nCOMP_LINE='"
            + line
            + "'\nCOMP_POINT="
            + line.length()
            + "\n_complete_memflux\necho \"${COMPREPLY[*]}\"\n";
    Path log = dir.resolve("bash.log");
    Process bash =
        new ProcessBuilder("bash", "-c", program)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!bash.waitFor(30, TimeUnit.SECONDS)) {
      bash.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("bash did not finish within 30 s: " + Files.readString(log));
    }
    String output = Files.readString(log).strip();
    assertThat(bash.exitValue()).as(output).isZero();
    return output;
  }

  private static List<String> quoted(String[] words) {
    return Arrays.stream(words).map(w -> "'" + w + "'").toList();
  }
}
