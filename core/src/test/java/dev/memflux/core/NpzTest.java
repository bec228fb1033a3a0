package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * .npz members mapped in place: archives numpy writes ({@code src/test/resources/layouts}, made by
 * its {@code make_fixtures.py}), and the ZIP records numpy leaves out (ZIP64 directories, members
 * over 4 GiB, comments, data descriptors), written by {@link ZipBuilder}.
 */
class NpzTest {

  @TempDir Path dir;

  static Path fixture(String name) {
    return LayoutFixtures.path(name);
  }

  @Test
  void membersOfNpSavezReadAsNumpyWroteThem() throws IOException {
    Path npz = fixture("data.npz");
    try (NpyArray x = NpyArray.openNpz(npz, "x");
        NpyArray y = NpyArray.openNpz(npz, "y.npy");
        NpyArray tokens = NpyArray.openNpz(npz, "tokens");
        NpyArray be = NpyArray.openNpz(npz, "be");
        NpyArray fortran = NpyArray.openNpz(npz, "fortran");
        NpyArray scalar = NpyArray.openNpz(npz, "scalar")) {
      assertThat(x.shape()).containsExactly(10, 3);
      assertThat(x.dtype()).isEqualTo(DType.parse("<f8"));
      assertThat(x.path()).isEqualTo(npz);
      for (int r = 0; r < 10; r++) {
        for (int c = 0; c < 3; c++) {
          assertThat(x.getDouble(r, c)).isEqualTo((3 * r + c) / 4.0);
        }
        assertThat(y.getDouble(r)).isEqualTo(r * 2 - 1);
      }
      for (int i = 0; i < 50; i++) {
        assertThat(tokens.getLong(i)).isEqualTo((i * 7919L) % 50000);
      }
      assertThat(be.dtype()).isEqualTo(DType.parse(">i4"));
      assertThat(be.getLong(3, 1)).isEqualTo(4);
      assertThat(fortran.fortranOrder()).isTrue();
      assertThat(fortran.getDouble(2, 1)).isEqualTo(9);
      assertThat(scalar.ndim()).isZero();
      assertThat(scalar.getLong()).isEqualTo(42);

      // gathered rows are native-order C-order bytes, whatever the member's order and alignment
      ByteBuffer rows = ByteBuffer.allocateDirect(2 * 24).order(ByteOrder.nativeOrder());
      x.gather(new long[] {7, 2}, 0, 2, rows);
      assertThat(rows.getDouble(0)).isEqualTo(21 / 4.0);
      assertThat(rows.getDouble(40)).isEqualTo(8 / 4.0);
      ByteBuffer beRows = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
      be.gather(new long[] {0}, 0, 1, beRows);
      assertThat(beRows.getInt(0)).isEqualTo(-3);
      ByteBuffer fRow = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
      fortran.gather(new long[] {1}, 0, 1, fRow);
      assertThat(fRow.getFloat(12)).isEqualTo(7);
    }
  }

  @Test
  void aLoaderReadsMembersAtOddOffsetsInEveryMode() throws IOException {
    Path npz = fixture("data.npz");
    try (NpyArray x = NpyArray.openNpz(npz, "x");
        NpyArray y = NpyArray.openNpz(npz, "y")) {
      for (IoMode mode : List.of(IoMode.MAPPED, IoMode.BUFFERED, IoMode.DIRECT)) {
        Loader loader =
            Loader.builder(x, y).batchSize(3).shuffle(Shuffle.random(1)).io(mode).build();
        List<Long> seen = new java.util.ArrayList<>();
        loader
            .batches()
            .doOnNext(
                b -> {
                  try (b) {
                    long[] ids = b.indices();
                    for (int k = 0; k < ids.length; k++) {
                      seen.add(ids[k]);
                      assertThat(b.field(0).getDouble(k * 24 + 16))
                          .as("%s x[%d, 2]", mode, ids[k])
                          .isEqualTo((3 * ids[k] + 2) / 4.0);
                      assertThat(b.field(1).getDouble(k * 8)).isEqualTo((double) (ids[k] * 2 - 1));
                    }
                  }
                })
            .blockLast(java.time.Duration.ofSeconds(30));
        assertThat(seen).containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
      }
    }
  }

  @Test
  void membersLieAtOddOffsetsThatAreReadAsFastAsAlignedOnes() throws IOException {
    // np.savez puts a 20-byte ZIP64 extra field in each local header: x's data starts at an odd
    // byte, so its float64 elements are unaligned in the mapping
    Path npz = fixture("data.npz");
    try (FileChannel channel = FileChannel.open(npz)) {
      Npz.Region region = Npz.locate(channel, npz, "x");
      NpyHeader header = NpyHeader.read(channel, npz, region.start(), region.end(), "member");
      assertThat(header.dataOffset() % 8).isNotZero();
    }
  }

  @Test
  void membersAreListedAsNumpyNamesThem() throws IOException {
    assertThat(NpyArray.npzMembers(fixture("data.npz")))
        .extracting(NpzMember::name)
        .containsExactly("x", "y", "tokens", "be", "fortran", "scalar");
    List<NpzMember> mixed = NpyArray.npzMembers(fixture("mixed.npz"));
    assertThat(mixed).extracting(NpzMember::compression).containsExactly("stored", "deflate");
    assertThat(mixed.get(0).stored()).isTrue();
    assertThat(mixed.get(0).size()).isEqualTo(mixed.get(0).compressedSize()).isEqualTo(128 + 240);
    assertThat(mixed.get(1).stored()).isFalse();
    assertThat(mixed.get(1).compressedSize()).isLessThan(mixed.get(1).size());
    assertThat(NpyArray.npzMembers(fixture("positional.npz")))
        .extracting(NpzMember::name)
        .containsExactly("arr_0");
  }

  @Test
  void aCompressedMemberIsRefusedNamingTheCommandThatStoresIt() {
    Path npz = fixture("compressed.npz");
    assertThatThrownBy(() -> NpyArray.openNpz(npz, "x"))
        .isInstanceOf(IOException.class)
        .hasMessage(
            npz
                + ": member 'x' is compressed (deflate, as np.savez_compressed writes), and only"
                + " stored members (np.savez) can be memory-mapped; store them with: memflux"
                + " convert npz "
                + npz
                + " OUT.npz");
    // in an archive of both, the stored member opens and the compressed one is refused
    assertThatThrownBy(() -> NpyArray.openNpz(fixture("mixed.npz"), "y"))
        .hasMessageContaining("member 'y' is compressed (deflate");
  }

  @Test
  void aMissingMemberIsRefusedListingTheMembers() {
    Path npz = fixture("mixed.npz");
    assertThatThrownBy(() -> NpyArray.openNpz(npz, "z"))
        .isInstanceOf(IOException.class)
        .hasMessage(npz + ": no member 'z' in this .npz; its members: x, y");
  }

  @Test
  void aNpyIsNotAnNpzAndAnNpzIsNotANpy() {
    Path npy = fixture("features.npy");
    assertThatThrownBy(() -> NpyArray.openNpz(npy, "x"))
        .isInstanceOf(NpyFormatException.class)
        .hasMessageStartingWith(npy + ": at byte 0: expected a zip archive (an .npz) with an end")
        .hasMessageEndingWith("found no such record");
    Path npz = fixture("data.npz");
    assertThatThrownBy(() -> NpyArray.open(npz))
        .isInstanceOf(NpyFormatException.class)
        .hasMessage(
            npz
                + ": at byte 0: expected magic string \\x93NUMPY (not a .npy file), found bytes"
                + " 50 4b 03 04 2d 00 (a zip archive: an .npz? open its members with"
                + " NpyArray.openNpz)");
  }

  @Test
  void aMemberShorterThanItsDataIsRefusedNamingTheMember() throws IOException {
    byte[] npy = npy(DType.parse("<i4"), new long[] {4}, 16);
    Path npz = dir.resolve("short.npz");
    Files.write(npz, new ZipBuilder().stored("a.npy", java.util.Arrays.copyOf(npy, 140)).bytes());
    assertThatThrownBy(() -> NpyArray.openNpz(npz, "a"))
        .isInstanceOf(NpyFormatException.class)
        .hasMessageContaining("16 data bytes for shape (4,) of <i4")
        .hasMessageEndingWith("found end of member 'a.npy' (truncated data)");
  }

  @Test
  void zip64DirectoriesAndEndRecordsAreRead() throws IOException {
    byte[] a = npy(DType.parse("<i2"), new long[] {3}, 6);
    ByteBuffer.wrap(a, a.length - 6, 6).order(ByteOrder.LITTLE_ENDIAN).putShort((short) -7);
    for (ZipBuilder b :
        List.of(
            new ZipBuilder().zip64Central().zip64End(),
            new ZipBuilder().zip64Local(false),
            new ZipBuilder().dataDescriptor(),
            new ZipBuilder().trailer(new byte[] {1, 2, 3}),
            // a comment holding the end record's signature and a plausible comment length
            new ZipBuilder().comment(fakeEndRecord()))) {
      Path npz = dir.resolve("z64.npz");
      Files.write(
          npz, b.stored("pad.npy", npy(DType.UINT8, new long[] {1}, 1)).stored("a.npy", a).bytes());
      try (NpyArray array = NpyArray.openNpz(npz, "a")) {
        assertThat(array.getLong(0)).isEqualTo(-7);
      }
      Files.delete(npz);
    }
  }

  @Test
  void aMemberLargerThan4GibIsMappedWhole() throws IOException {
    long rows = (5L << 30) / 1000;
    byte[] header = NpyHeader.encode(DType.UINT8, false, new long[] {rows, 1000});
    byte[] head = java.util.Arrays.copyOf(header, header.length + 1000);
    head[header.length + 999] = 7;
    Path npz = dir.resolve("big.npz");
    try {
      new ZipBuilder()
          .stored("small.npy", npy(DType.UINT8, new long[] {2}, 2))
          .sparse("big.npy", head, header.length + rows * 1000)
          .stored("after.npy", npy(DType.parse("<i8"), new long[] {1}, 8))
          .write(npz);
      try (NpyArray big = NpyArray.openNpz(npz, "big");
          NpyArray after = NpyArray.openNpz(npz, "after")) {
        assertThat(big.rows()).isEqualTo(rows);
        assertThat(big.getLong(0, 999)).isEqualTo(7);
        assertThat(big.getLong(rows - 1, 999)).isZero();
        assertThat(after.getLong(0)).isZero();
      }
      assertThat(NpyArray.npzMembers(npz).get(1).size()).isGreaterThan(4L << 30);
    } finally {
      Files.deleteIfExists(npz);
    }
  }

  /** A .npy of {@code dtype} and {@code shape} whose {@code dataBytes} of data are zeros. */
  static byte[] npy(DType dtype, long[] shape, int dataBytes) {
    byte[] header = NpyHeader.encode(dtype, false, shape);
    return java.util.Arrays.copyOf(header, header.length + dataBytes);
  }

  private static byte[] fakeEndRecord() {
    ByteBuffer b = ByteBuffer.allocate(30).order(ByteOrder.LITTLE_ENDIAN);
    b.put("x".getBytes(StandardCharsets.US_ASCII)).putInt(0x06054b50);
    b.putShort((short) 0).putShort((short) 0).putShort((short) 9).putShort((short) 9);
    b.putInt(999).putInt(5).putShort((short) 1);
    return b.array();
  }
}
