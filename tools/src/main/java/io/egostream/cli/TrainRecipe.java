package io.egostream.cli;

import io.egostream.model.train.CurriculumStage;
import io.egostream.model.train.TrainingConfig;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.ListResourceBundle;
import java.util.Locale;

/**
 * The numbers of {@code train}'s two recipes, read from {@link TrainingConfig#fromScratch()} and
 * {@link TrainingConfig#fineTune()}, for {@code train --help} ({@code ${bundle:scratch.steps}} and so on), so that
 * the help cannot drift from the recipe. Keys never equal an option's name: picocli would take them as its
 * description.
 */
public final class TrainRecipe extends ListResourceBundle {
  @Override
  protected Object[][] getContents() {
    List<Object[]> entries = new ArrayList<>();
    add(entries, "scratch", TrainingConfig.fromScratch());
    add(entries, "finetune", TrainingConfig.fineTune());
    return entries.toArray(new Object[0][]);
  }

  private static void add(List<Object[]> entries, String prefix, TrainingConfig c) {
    entries.add(new Object[] {prefix + ".steps", Integer.toString(c.steps())});
    entries.add(new Object[] {prefix + ".warmup", Integer.toString(c.warmupSteps())});
    entries.add(new Object[] {prefix + ".batch", Integer.toString(c.batchSize())});
    entries.add(new Object[] {prefix + ".lr", number(c.learningRate())});
    entries.add(new Object[] {prefix + ".beta2", number(c.adamBeta2())});
    entries.add(new Object[] {prefix + ".position-scale", number(c.positionRateScale())});
    entries.add(new Object[] {prefix + ".reversed", Integer.toString(c.reversedNegatives())});
    entries.add(new Object[] {prefix + ".order-from", Integer.toString(c.orderFromStep())});
    entries.add(new Object[] {prefix + ".dense-every", Integer.toString(c.denseEvery())});
    entries.add(new Object[] {prefix + ".dense-from", Integer.toString(c.denseFromStep())});
    entries.add(new Object[] {prefix + ".checkpoint-every", Integer.toString(c.checkpointEvery())});
    entries.add(new Object[] {prefix + ".temperature", number(c.temperature())});
    entries.add(new Object[] {prefix + ".curriculum", curriculum(c)});
  }

  /** "4 frames at q_v 0.7, then 8 frames at q_v 0.6 from step 2830", or the model's own when there is none. */
  static String curriculum(TrainingConfig c) {
    List<String> stages = new ArrayList<>();
    for (CurriculumStage s : c.stages()) {
      stages.add(String.format(Locale.ROOT, "%d frames at q_v %s%s", s.frames(), number(s.keepRate()),
          s.fromStep() == 0 ? "" : " from step " + s.fromStep()));
    }
    return stages.isEmpty() ? "the model's own frames and keep rate" : String.join(", then ", stages);
  }

  static String number(double x) {
    return number(new BigDecimal(Double.toString(x)));
  }

  static String number(float x) {
    return number(new BigDecimal(Float.toString(x)));
  }

  /** As a person writes it: 2e-4, 3e-5, 0.98, 100. */
  private static String number(BigDecimal x) {
    BigDecimal d = x.stripTrailingZeros();
    if (d.scale() > 3 && d.unscaledValue().abs().compareTo(BigInteger.TEN) < 0) {
      return d.unscaledValue() + "e-" + d.scale();
    }
    return d.toPlainString();
  }
}
