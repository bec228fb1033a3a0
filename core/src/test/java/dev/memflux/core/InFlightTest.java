package dev.memflux.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InFlightTest {

  static final class Counted implements AutoCloseable {
    final AtomicInteger closes = new AtomicInteger();

    @Override
    public void close() {
      closes.incrementAndGet();
    }
  }

  @Test
  void closeAllClosesWhatIsStillRegisteredAndNothingHandedOn() {
    InFlight<Counted> inFlight = new InFlight<>();
    Counted kept = new Counted();
    Counted handedOn = new Counted();
    inFlight.add(kept);
    inFlight.add(handedOn);
    inFlight.remove(handedOn);
    assertThat(inFlight.closeAll()).isNull();
    assertThat(kept.closes).hasValue(1);
    assertThat(handedOn.closes).hasValue(0);
  }

  @Test
  void anythingArrivingAfterCloseAllIsClosedAtOnce() {
    InFlight<Counted> inFlight = new InFlight<>();
    inFlight.closeAll();
    Counted late = new Counted();
    inFlight.add(late);
    assertThat(late.closes).hasValue(1);
  }

  @Test
  void aFailingCloseIsReportedAndTheRestAreStillClosed() {
    InFlight<AutoCloseable> inFlight = new InFlight<>();
    Counted other = new Counted();
    inFlight.add(
        () -> {
          throw new IllegalStateException("close failed");
        });
    inFlight.add(other);
    assertThat(inFlight.closeAll()).hasMessage("close failed");
    assertThat(other.closes).hasValue(1);
  }
}
