package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded corruptions of .npz archives (numpy's, and ZIP64 ones from {@link ZipBuilder}): the only
 * outcomes are an array whose data lies inside the file, or an {@link IOException} naming the file
 * ({@link NpyFormatException} with a byte offset inside it for damage); never another exception, a
 * hang, a huge allocation, or a file left open or mapped.
 */
class NpzFuzzTest {

  @TempDir Path dir;

  private int cases;
  private int opened;
  private int rejected;

  private List<byte[]> seeds() throws IOException {
    byte[] a = NpzTest.npy(DType.parse(">f4"), new long[] {3, 2}, 24);
    byte[] b = NpzTest.npy(DType.parse("<i8"), new long[] {2}, 16);
    return List.of(
        Files.readAllBytes(LayoutFixtures.path("data.npz")),
        Files.readAllBytes(LayoutFixtures.path("mixed.npz")),
        new ZipBuilder().stored("b.npy", b).stored("a.npy", a).zip64Central().zip64End().bytes(),
        new ZipBuilder().dataDescriptor().stored("a.npy", a).deflated("b.npy", b).bytes());
  }

  /** Opens member {@code "a"} (or numpy's {@code "x"}) of {@code bytes} and reads all of it. */
  private void openCase(byte[] bytes, String label) throws IOException {
    Path p = dir.resolve("fuzz-" + cases++ + ".npz");
    Files.write(p, bytes);
    try {
      assertTimeoutPreemptively(
          NpyHeaderFuzzTest.PER_CASE,
          () -> {
            try {
              List<NpzMember> members = NpyArray.npzMembers(p);
              String member = members.isEmpty() ? "a" : members.get(0).name();
              try (NpyArray array = NpyArray.openNpz(p, member)) {
                assertThat(array.count() * array.dtype().itemSize())
                    .as("%s: data must lie within the file", label)
                    .isLessThanOrEqualTo(bytes.length);
                if (array.ndim() > 0 && array.count() > 0) {
                  long[] ids = new long[(int) array.rows()];
                  Arrays.setAll(ids, i -> i);
                  ByteBuffer all =
                      ByteBuffer.allocate((int) (array.count() * array.dtype().itemSize()))
                          .order(ByteOrder.nativeOrder());
                  array.gather(ids, 0, ids.length, all);
                }
                opened++;
              }
            } catch (NpyFormatException e) {
              rejected++;
              assertThat(e.file()).as(label).isEqualTo(p);
              assertThat(e.getMessage()).as(label).startsWith(p + ": at byte " + e.offset());
              assertThat(e.offset()).as("%s: offset", label).isBetween(0L, (long) bytes.length);
            } catch (IOException e) {
              rejected++;
              assertThat(e.getClass()).as("%s: %s", label, e).isEqualTo(IOException.class);
              assertThat(e.getMessage())
                  .as(label)
                  .matches(java.util.regex.Pattern.quote(p + ": ") + "(no )?member '.*");
            }
          },
          () -> label + " took longer than " + NpyHeaderFuzzTest.PER_CASE);
    } catch (AssertionError e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(label + ": unexpected " + t, t);
    }
    Files.delete(p);
  }

  @Test
  void corruptedArchivesOpenWithinTheFileOrFailNamingIt() throws Exception {
    SplittableRandom random = new SplittableRandom(0x2_1714_0001L);
    List<byte[]> seeds = seeds();
    for (int i = 0; i < 2000; i++) {
      byte[] seed = seeds.get(random.nextInt(seeds.size()));
      byte[] bytes;
      String label;
      switch (random.nextInt(4)) {
        case 0 -> { // a few bytes set to random values or to the extremes of their fields
          bytes = seed.clone();
          StringBuilder what = new StringBuilder("set");
          for (int f = 1 + random.nextInt(3); f > 0; f--) {
            int at = random.nextInt(bytes.length);
            bytes[at] = (byte) (random.nextBoolean() ? 0xff : random.nextInt(256));
            what.append(' ').append(at).append('=').append(bytes[at] & 0xff);
          }
          label = what.toString();
        }
        case 1 -> { // a byte inserted
          int at = random.nextInt(seed.length + 1);
          bytes = new byte[seed.length + 1];
          System.arraycopy(seed, 0, bytes, 0, at);
          bytes[at] = (byte) random.nextInt(256);
          System.arraycopy(seed, at, bytes, at + 1, seed.length - at);
          label = "insert at " + at;
        }
        case 2 -> { // a byte deleted
          int at = random.nextInt(seed.length);
          bytes = new byte[seed.length - 1];
          System.arraycopy(seed, 0, bytes, 0, at);
          System.arraycopy(seed, at + 1, bytes, at, seed.length - at - 1);
          label = "delete at " + at;
        }
        default -> { // the tail, where the directory is, cut off
          int cut = 1 + random.nextInt(Math.min(seed.length, 400));
          bytes = Arrays.copyOf(seed, seed.length - cut);
          label = "cut " + cut;
        }
      }
      openCase(bytes, "seed " + seeds.indexOf(seed) + " " + label);
    }
    assertThat(rejected).as("corruptions rejected").isGreaterThan(300);
    assertThat(opened).as("corruptions that still read").isGreaterThan(150);
    NpyHeaderFuzzTest probe = new NpyHeaderFuzzTest();
    probe.dir = dir;
    probe.assertNothingOpen(0);
  }
}
