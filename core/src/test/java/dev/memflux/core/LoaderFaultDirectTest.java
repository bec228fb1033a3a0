package dev.memflux.core;

/** {@link LoaderFaultTest} with every field read by {@link IoMode#DIRECT} positional reads. */
class LoaderFaultDirectTest extends LoaderFaultTest {

  @Override
  Loader.Builder builder(NpyArray... fields) {
    return super.builder(fields).io(IoMode.DIRECT);
  }
}
