package dev.memflux.core;

/** {@link LoaderContractTest} with every field read by {@link IoMode#DIRECT} positional reads. */
class LoaderContractDirectTest extends LoaderContractTest {

  @Override
  protected Loader.Builder loaderBuilder(NpyArray... fields) {
    return super.loaderBuilder(fields).io(IoMode.DIRECT);
  }
}
