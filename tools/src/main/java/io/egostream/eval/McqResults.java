package io.egostream.eval;

import io.egostream.data.McqQuestion;
import io.egostream.data.McqType;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Accumulates answered and skipped questions into accuracy per type, per verb, and skip counts per reason. */
public final class McqResults {

  /** Right answers out of a count; accuracy in percent, null when nothing was counted. */
  public record Tally(int correct, int count) {
    public Double accuracy() {
      return count == 0 ? null : 100.0 * correct / count;
    }

    Tally plus(boolean right) {
      return new Tally(correct + (right ? 1 : 0), count + 1);
    }
  }

  /**
   * One scored question.
   *
   * @param question the question
   * @param chosen index of the choice the model picked
   * @param scores cosine similarity of the narration to each choice
   */
  public record Answer(McqQuestion question, int chosen, float[] scores) {}

  private final List<Answer> answers = new ArrayList<>();
  private final Map<McqType, Tally> byType = new EnumMap<>(McqType.class);
  private final Map<String, Map<McqType, Tally>> byVerb = new TreeMap<>();
  private final List<SkippedQuestion> skipped = new ArrayList<>();

  public McqResults() {
    for (McqType t : McqType.values()) {
      byType.put(t, new Tally(0, 0));
    }
  }

  /** Records a scored question: right if {@code chosen} is its answer. */
  public void answered(McqQuestion question, int chosen, float[] scores) {
    answers.add(new Answer(question, chosen, scores.clone()));
    boolean right = chosen == question.answer();
    byType.merge(question.type(), new Tally(0, 0), (t, ignored) -> t.plus(right));
    byVerb.computeIfAbsent(question.query().verbKey(), v -> new EnumMap<>(McqType.class))
        .merge(question.type(), new Tally(right ? 1 : 0, 1), (t, ignored) -> t.plus(right));
  }

  public void skipped(SkippedQuestion question) {
    skipped.add(question);
  }

  public Tally tally(McqType type) {
    return byType.get(type);
  }

  /** Per verb (query's first verb tag, or its narration's verb), per type; verbs in alphabetical order. */
  public Map<String, Map<McqType, Tally>> byVerb() {
    return byVerb;
  }

  /** Every scored question, in evaluation order. */
  public List<Answer> answers() {
    return List.copyOf(answers);
  }

  public List<SkippedQuestion> skippedQuestions() {
    return List.copyOf(skipped);
  }

  /** Skips per reason, in {@link SkipReason} order, reasons that did not occur left out. */
  public Map<SkipReason, Integer> skipCounts() {
    Map<SkipReason, Integer> counts = new EnumMap<>(SkipReason.class);
    for (SkippedQuestion s : skipped) {
      counts.merge(s.reason(), 1, Integer::sum);
    }
    return counts;
  }

  public int answeredCount() {
    return byType.values().stream().mapToInt(Tally::count).sum();
  }
}
