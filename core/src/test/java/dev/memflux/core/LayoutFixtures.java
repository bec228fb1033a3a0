package dev.memflux.core;

import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * The numpy-written fixtures of the data-layout tests under {@code src/test/resources/layouts};
 * {@code make_fixtures.py} there says what each holds.
 */
final class LayoutFixtures {

  private LayoutFixtures() {}

  static Path directory() {
    try {
      return Path.of(LayoutFixtures.class.getResource("/layouts/make_fixtures.py").toURI())
          .getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Path path(String name) {
    return directory().resolve(name);
  }
}
