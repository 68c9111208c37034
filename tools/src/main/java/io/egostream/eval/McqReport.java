package io.egostream.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.egostream.data.McqQuestion;
import io.egostream.data.McqType;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders {@link McqResults}: one JSON object (a contract: {@code inter_video} and {@code intra_video}, each with
 * {@code accuracy} in percent (null when the count is 0), {@code correct} and {@code count}; {@code skipped} with
 * {@code count}, {@code reasons} {reason: count} and the first {@value #MAX_SKIPPED_ITEMS} {@code items};
 * {@code per_verb} {verb: {inter_video, intra_video}}; {@code setup}), or a table for people.
 *
 * <p>Type 1 is inter-video, type 2 intra-video: EgoVLP's and LaViLa's printouts swap these two names, ours follow the
 * data.
 */
public final class McqReport {

  static final int MAX_SKIPPED_ITEMS = 100;
  private static final ObjectMapper JSON = new ObjectMapper();

  private McqReport() {}

  public static ObjectNode json(McqResults r, Map<String, Object> setup, double seconds) {
    ObjectNode root = JSON.createObjectNode();
    for (McqType type : McqType.values()) {
      tally(root.putObject(type.key()), r.tally(type));
    }
    root.put("answered", r.answeredCount());
    ObjectNode skipped = root.putObject("skipped");
    List<SkippedQuestion> skips = r.skippedQuestions();
    skipped.put("count", skips.size());
    ObjectNode reasons = skipped.putObject("reasons");
    r.skipCounts().forEach((reason, count) -> reasons.put(reason.key(), count));
    var items = skipped.putArray("items");
    skips.stream().limit(MAX_SKIPPED_ITEMS).forEach(s ->
        items.addObject().put("key", s.key()).put("reason", s.reason().key()).put("detail", s.detail()));
    ObjectNode perVerb = root.putObject("per_verb");
    r.byVerb().forEach((verb, byType) -> {
      ObjectNode v = perVerb.putObject(verb);
      for (McqType type : McqType.values()) {
        tally(v.putObject(type.key()), byType.getOrDefault(type, new McqResults.Tally(0, 0)));
      }
    });
    root.set("setup", JSON.valueToTree(setup));
    root.put("seconds", Math.round(seconds * 10) / 10.0);
    return root;
  }

  /**
   * One JSON object per scored question, for error analysis: {@code key}, {@code type} (egomcq.json's code),
   * {@code query} (the narration), {@code answer} and {@code chosen} (choice indices), {@code right}, and
   * {@code choices}, each with its {@code video_uid}, {@code clip_text} and {@code score} (cosine similarity).
   */
  public static List<ObjectNode> answers(McqResults r) {
    return r.answers().stream().map(a -> {
      McqQuestion q = a.question();
      ObjectNode line = JSON.createObjectNode().put("key", q.key()).put("type", q.type().code())
          .put("query", q.query().clipText()).put("answer", q.answer()).put("chosen", a.chosen())
          .put("right", a.chosen() == q.answer());
      var choices = line.putArray("choices");
      for (int c = 0; c < q.choices().size(); c++) {
        choices.addObject().put("video_uid", q.choices().get(c).videoUid())
            .put("clip_text", q.choices().get(c).clipText()).put("score", a.scores()[c]);
      }
      return line;
    }).toList();
  }

  public static void text(McqResults r, Map<String, Object> setup, double seconds, PrintWriter out) {
    out.println("EgoMCQ " + setup);
    for (McqType type : McqType.values()) {
      McqResults.Tally t = r.tally(type);
      out.printf(Locale.ROOT, "  %-12s %s  (%d of %d; types %d)%n", type == McqType.INTER_VIDEO ? "inter-video"
          : "intra-video", percent(t), t.correct(), t.count(), type.code());
    }
    out.printf(Locale.ROOT, "  per verb            inter-video        intra-video%n");
    r.byVerb().forEach((verb, byType) -> {
      McqResults.Tally inter = byType.getOrDefault(McqType.INTER_VIDEO, new McqResults.Tally(0, 0));
      McqResults.Tally intra = byType.getOrDefault(McqType.INTRA_VIDEO, new McqResults.Tally(0, 0));
      out.printf(Locale.ROOT, "    %-16s %7s (%4d)     %7s (%4d)%n", verb, percent(inter), inter.count(),
          percent(intra), intra.count());
    });
    skipped(r, out);
    out.printf(Locale.ROOT, "  %d questions answered in %.1f s%n", r.answeredCount(), seconds);
  }

  /**
   * A table of the same questions evaluated at several keep rates q_v ({@code results} in the order of
   * {@code keepRates}): a row of accuracies each, then the skipped questions, which are the same at every q_v.
   */
  public static void textPerKeepRate(List<Float> keepRates, List<McqResults> results, Map<String, Object> setup,
      double seconds, PrintWriter out) {
    out.println("EgoMCQ " + setup);
    out.printf(Locale.ROOT, "  %-6s %-25s %s%n", "q_v", "inter-video", "intra-video");
    for (int i = 0; i < keepRates.size(); i++) {
      McqResults.Tally inter = results.get(i).tally(McqType.INTER_VIDEO);
      McqResults.Tally intra = results.get(i).tally(McqType.INTRA_VIDEO);
      out.printf(Locale.ROOT, "  %-6.2f %s %-16s %s %s%n", keepRates.get(i), percent(inter),
          "(" + inter.correct() + " of " + inter.count() + ")", percent(intra),
          "(" + intra.correct() + " of " + intra.count() + ")");
    }
    McqResults first = results.get(0);
    skipped(first, out);
    out.printf(Locale.ROOT, "  %d questions answered at each of %d keep rates in %.1f s%n", first.answeredCount(),
        keepRates.size(), seconds);
  }

  private static void skipped(McqResults r, PrintWriter out) {
    List<SkippedQuestion> skips = r.skippedQuestions();
    out.printf(Locale.ROOT, "  skipped      %d%s%n", skips.size(), skips.isEmpty() ? "" : " " + reasons(r));
    skips.stream().limit(10).forEach(s -> out.println("    question " + s.key() + ": " + s.reason().key() + ": "
        + s.detail()));
    if (skips.size() > 10) {
      out.println("    ... (" + (skips.size() - 10) + " more; --json lists the first " + MAX_SKIPPED_ITEMS + ")");
    }
  }

  private static String reasons(McqResults r) {
    StringBuilder s = new StringBuilder("(");
    r.skipCounts().forEach((reason, count) -> s.append(s.length() > 1 ? ", " : "").append(reason.key()).append(' ')
        .append(count));
    return s.append(')').toString();
  }

  private static String percent(McqResults.Tally t) {
    return t.accuracy() == null ? "   n/a " : String.format(Locale.ROOT, "%6.2f%%", t.accuracy());
  }

  /** One type's figures, as every report writes them: {@code accuracy} (percent), {@code correct}, {@code count}. */
  public static void tally(ObjectNode node, McqResults.Tally t) {
    if (t.accuracy() == null) {
      node.putNull("accuracy");
    } else {
      node.put("accuracy", Math.round(t.accuracy() * 100) / 100.0);
    }
    node.put("correct", t.correct());
    node.put("count", t.count());
  }
}
