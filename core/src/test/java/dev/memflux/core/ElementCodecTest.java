package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** {@link DType#getDouble} and {@link ElementBits}: one codec, in both byte orders. */
class ElementCodecTest {

  /** Writes {@code value} as {@code descr} at index 3 of a buffer in {@code bufferOrder}. */
  private static double roundTrip(String descr, double value, ByteOrder bufferOrder) {
    DType type = DType.parse(descr);
    ByteBuffer b = ByteBuffer.allocate(3 + type.itemSize()).order(type.order());
    long bits = ElementBits.ofDouble(type, value);
    switch (type.itemSize()) {
      case 1 -> b.put(3, (byte) bits);
      case 2 -> b.putShort(3, (short) bits);
      case 4 -> b.putInt(3, (int) bits);
      default -> b.putLong(3, bits);
    }
    return type.getDouble(b.order(bufferOrder), 3);
  }

  @Test
  void everyKindReadsBackWhatWasWrittenInEitherBufferOrder() {
    for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
      assertThat(roundTrip("|b1", 7, order)).isEqualTo(1);
      assertThat(roundTrip("|i1", -128, order)).isEqualTo(-128);
      assertThat(roundTrip("|u1", 255, order)).isEqualTo(255);
      assertThat(roundTrip("<i2", -2, order)).isEqualTo(-2);
      assertThat(roundTrip(">u2", 65535, order)).isEqualTo(65535);
      assertThat(roundTrip("<i4", Integer.MIN_VALUE, order)).isEqualTo(Integer.MIN_VALUE);
      assertThat(roundTrip(">u4", 4294967295.0, order)).isEqualTo(4294967295.0);
      assertThat(roundTrip("<i8", -0x1p62, order)).isEqualTo(-0x1p62);
      assertThat(roundTrip(">u8", 0x1p63 + 0x1p12, order)).isEqualTo(0x1p63 + 0x1p12);
      assertThat(roundTrip("<f2", -65504, order)).isEqualTo(-65504);
      assertThat(roundTrip(">f2", 0x1p-24, order)).isEqualTo(0x1p-24);
      assertThat(roundTrip("<f4", 0.1, order)).isEqualTo((double) 0.1f);
      assertThat(roundTrip(">f8", -0.1, order)).isEqualTo(-0.1);
    }
  }

  @Test
  void unsigned64BitValuesRoundOnceToTheNearestDouble() {
    ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, -1L);
    assertThat(DType.parse("u8").getDouble(b, 0)).isEqualTo(0x1p64);
    assertThat(DType.INT64.getDouble(b, 0)).isEqualTo(-1);
    // doubles below 2^64 are 2^11 apart: 2^64 - 3073 and 2^64 - 3071 lie either side of the
    // midpoint of 2^64 - 4096 and 2^64 - 2048
    b.putLong(0, -3073L);
    assertThat(DType.parse("u8").getDouble(b, 0)).isEqualTo(0x1p64 - 0x1p12);
    b.putLong(0, -3071L);
    assertThat(DType.parse("u8").getDouble(b, 0)).isEqualTo(0x1p64 - 0x1p11);
  }

  @Test
  void bitsAlreadySignExtendedReadTheSame() {
    assertThat(ElementBits.toDouble(DType.INT16, 0xfffeL)).isEqualTo(-2);
    assertThat(ElementBits.toDouble(DType.INT16, -2L)).isEqualTo(-2);
    assertThat(ElementBits.toDouble(DType.parse("u2"), 0xfffeL)).isEqualTo(65534);
  }

  @Test
  void anElementPastTheLimitIsRefused() {
    ByteBuffer b = ByteBuffer.allocate(8).limit(6);
    assertThatThrownBy(() -> DType.FLOAT32.getDouble(b, 4))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }
}
