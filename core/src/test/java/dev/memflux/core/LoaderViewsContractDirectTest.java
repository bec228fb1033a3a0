package dev.memflux.core;

/** {@link LoaderViewsContractTest} with the views read by {@link IoMode#DIRECT} reads. */
class LoaderViewsContractDirectTest extends LoaderViewsContractTest {

  @Override
  protected Loader.Builder loaderBuilder(NpyArray... fields) {
    return super.loaderBuilder(fields).io(IoMode.DIRECT);
  }
}
