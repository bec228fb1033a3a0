package dev.memflux.augment;

import dev.memflux.core.NpyArray;
import dev.memflux.core.testing.BatchStageContract;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** The augmentation stage passes the stage contract, with seeded random ops and parallelism. */
class AugmentContractTest extends BatchStageContract {

  private final SplittableRandom random = new SplittableRandom(0xA06_C0DEL);

  @Override
  protected NpyArray[] openFields(Path dir) throws IOException {
    return new NpyArray[] {
      Fixtures.uint8Images(dir, "x.npy", 120, 1, 6, 6), Fixtures.labels(dir, 120)
    };
  }

  @Override
  protected StageUnderTest newStage() {
    Augment base = Augment.images(ImageLayout.CHW).seed(random.nextLong());
    Augment augment =
        switch (random.nextInt(3)) {
          // a new float field: output buffers from the stage's own pool
          case 0 -> base.toFloat(1 / 255f).horizontalFlip(0.5).rotate(10);
          // in place
          case 1 -> base.horizontalFlip(0.5).randomCrop(6, 1);
          default -> base.toFloat(1f).normalize(new float[] {0.5f}, new float[] {0.25f});
        };
    augment = augment.parallelism(1 + random.nextInt(3));
    return StageUnderTest.of(augment, augment.bufferPool());
  }
}
