package dev.memflux.core;

/** {@link LoaderFaultTest} with every field read by {@link IoMode#BUFFERED} positional reads. */
class LoaderFaultBufferedTest extends LoaderFaultTest {

  @Override
  Loader.Builder builder(NpyArray... fields) {
    return super.builder(fields).io(IoMode.BUFFERED);
  }
}
