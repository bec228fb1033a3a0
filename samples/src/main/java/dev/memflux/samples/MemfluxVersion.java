package dev.memflux.samples;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * What {@code --version} prints: {@code memflux VERSION}, the project version that Maven wrote into
 * {@code version.properties} when it built the classes (resource filtering), so that the jar and
 * the classes tests run from say the same.
 */
final class MemfluxVersion implements IVersionProvider {

  private static final String RESOURCE = "version.properties";

  /** The project version, or {@code "unknown"} for classes built without Maven's filtering. */
  static String version() {
    Properties properties = new Properties();
    try (InputStream in = MemfluxVersion.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE + " from the classpath", e);
    }
    String version = properties.getProperty("version", "");
    return version.isBlank() || version.contains("${") ? "unknown" : version;
  }

  @Override
  public String[] getVersion() {
    return new String[] {"memflux " + version()};
  }
}
