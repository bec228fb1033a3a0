package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HalfTest {

  @Test
  void everyHalfSurvivesTheRoundTripThroughFloat() {
    for (int bits = 0; bits < 0x10000; bits++) {
      float f = Half.toFloat((short) bits);
      short back = Half.fromDouble(f);
      if (Float.isNaN(f)) {
        assertThat(Float.isNaN(Half.toFloat(back))).isTrue();
      } else {
        assertThat(back & 0xffff).as("bits %04x", bits).isEqualTo(bits);
      }
    }
  }

  @Test
  void roundsToNearestEvenLikeNumpy() {
    assertThat(Half.fromDouble(1 + 0x1p-11)).isEqualTo((short) 0x3c00); // tie -> even 1.0
    assertThat(Half.fromDouble(1 + 3 * 0x1p-11)).isEqualTo((short) 0x3c02); // tie -> even
    assertThat(Half.fromDouble(1 + 0x1p-11 + 0x1p-40)).isEqualTo((short) 0x3c01); // above tie
    assertThat(Half.fromDouble(65504)).isEqualTo((short) 0x7bff);
    assertThat(Half.fromDouble(65519.99)).isEqualTo((short) 0x7bff);
    assertThat(Half.fromDouble(65520)).isEqualTo((short) 0x7c00); // overflows to inf
    assertThat(Half.fromDouble(0x1p-25)).isEqualTo((short) 0); // tie below the least subnormal
    assertThat(Half.fromDouble(0x1.8p-25)).isEqualTo((short) 1);
    assertThat(Half.fromDouble(0x1p-14 - 0x1p-26)).isEqualTo((short) 0x0400); // rounds up to normal
    assertThat(Half.fromDouble(-0.0)).isEqualTo((short) 0x8000);
    assertThat(Half.fromDouble(Double.NEGATIVE_INFINITY)).isEqualTo((short) 0xfc00);
    assertThat(Half.fromDouble(1e300)).isEqualTo((short) 0x7c00);
  }
}
