package dev.memflux.core;

/** {@link LoaderContractTest} with every field read by {@link IoMode#BUFFERED} positional reads. */
class LoaderContractBufferedTest extends LoaderContractTest {

  @Override
  protected Loader.Builder loaderBuilder(NpyArray... fields) {
    return super.loaderBuilder(fields).io(IoMode.BUFFERED);
  }
}
