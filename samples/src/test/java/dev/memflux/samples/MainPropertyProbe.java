package dev.memflux.samples;

/** Test helper for {@link MainTest}: prints the DJL properties before and after Main runs. */
final class MainPropertyProbe {

  private MainPropertyProbe() {}

  public static void main(String[] args) {
    System.out.println(
        "before: "
            + System.getProperty("ai.djl.offline")
            + " "
            + System.getProperty("OPT_OUT_TRACKING"));
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () ->
                    System.out.println(
                        "after: "
                            + System.getProperty("ai.djl.offline")
                            + " "
                            + System.getProperty("OPT_OUT_TRACKING"))));
    Main.main(new String[] {"--help"});
  }
}
