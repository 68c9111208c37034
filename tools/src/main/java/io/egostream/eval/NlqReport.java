package io.egostream.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders {@link NlqResults}: one JSON object (a contract: {@code recall} with {@code r1_iou0.3}, {@code r1_iou0.5},
 * {@code r5_iou0.3}, {@code r5_iou0.5} in percent, {@code mean_iou} in percent as Ego4D prints it, {@code count}
 * (queries scored), {@code skipped} (queries not scored), {@code method}, {@code seconds}; also
 * {@code refine_clips_per_query}, {@code per_verb} {verb: {recall, mean_iou, count}}, {@code skipped_items} (the first
 * {@value McqReport#MAX_SKIPPED_ITEMS}) and {@code setup}), a table for people, or Ego4D's challenge prediction file.
 */
public final class NlqReport {

  private static final ObjectMapper JSON = new ObjectMapper();

  private NlqReport() {}

  public static ObjectNode json(NlqResults r, NlqMethod method, Map<String, Object> setup, double seconds) {
    ObjectNode root = JSON.createObjectNode();
    tally(root, r.all());
    root.put("skipped", r.skippedQueries().size());
    root.put("method", method.key());
    root.put("seconds", Math.round(seconds * 10) / 10.0);
    root.put("refine_clips_per_query", Math.round(r.refineClipsPerQuery() * 100) / 100.0);
    ObjectNode perVerb = root.putObject("per_verb");
    r.byVerb().forEach((verb, t) -> tally(perVerb.putObject(verb), t));
    ArrayNode items = root.putArray("skipped_items");
    r.skippedQueries().stream().limit(McqReport.MAX_SKIPPED_ITEMS).forEach(s ->
        items.addObject().put("key", s.key()).put("reason", s.reason().key()).put("detail", s.detail()));
    root.set("setup", JSON.valueToTree(setup));
    return root;
  }

  private static void tally(ObjectNode node, NlqResults.Tally t) {
    ObjectNode recall = node.putObject("recall");
    for (NlqResults.Recall k : NlqResults.Recall.values()) {
      put(recall, k.key(), t.recall(k));
    }
    put(node, "mean_iou", t.meanIou() == null ? null : 100 * t.meanIou());
    node.put("count", t.count());
  }

  private static void put(ObjectNode node, String key, Double percent) {
    if (percent == null) {
      node.putNull(key);
    } else {
      node.put(key, Math.round(percent * 100) / 100.0);
    }
  }

  /**
   * Ego4D's NLQ challenge prediction file: {@code version}, {@code challenge}, and {@code results}, one per query:
   * {@code clip_uid}, {@code annotation_uid}, {@code query_idx}, {@code predicted_times} ([start, end] seconds from
   * the clip's start, best first).
   */
  public static ObjectNode predictions(NlqResults r) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.put("challenge", "ego4d_nlq_challenge");
    ArrayNode results = root.putArray("results");
    for (NlqResults.Scored s : r.scoredQueries()) {
      ObjectNode line = results.addObject().put("clip_uid", s.query().clipUid())
          .put("annotation_uid", s.query().annotationUid()).put("query_idx", s.query().queryIdx());
      ArrayNode times = line.putArray("predicted_times");
      s.predictions().forEach(p -> times.addArray().add(p[0]).add(p[1]));
    }
    return root;
  }

  public static void text(NlqResults r, NlqMethod method, Map<String, Object> setup, double seconds,
      PrintWriter out) {
    out.println("Ego4D NLQ, method " + method.key() + " " + setup);
    out.printf(Locale.ROOT, "  %-16s %8s %8s %8s %8s %8s %6s%n", "", "R@1 0.3", "R@1 0.5", "R@5 0.3", "R@5 0.5",
        "mIoU", "count");
    row(out, "all", r.all());
    r.byVerb().forEach((verb, t) -> row(out, "  " + verb, t));
    List<SkippedQuestion> skips = r.skippedQueries();
    out.printf(Locale.ROOT, "  skipped %d%n", skips.size());
    skips.stream().limit(10).forEach(s -> out.println("    query " + s.key() + ": " + s.reason().key() + ": "
        + s.detail()));
    out.printf(Locale.ROOT, "  %d queries in %.1f s, %.2f extra clips per query to refine%n", r.all().count(),
        seconds, r.refineClipsPerQuery());
  }

  private static void row(PrintWriter out, String name, NlqResults.Tally t) {
    out.printf(Locale.ROOT, "  %-16s %8s %8s %8s %8s %8s %6d%n", name, percent(t.recall(NlqResults.Recall.R1_IOU03)),
        percent(t.recall(NlqResults.Recall.R1_IOU05)), percent(t.recall(NlqResults.Recall.R5_IOU03)),
        percent(t.recall(NlqResults.Recall.R5_IOU05)), percent(t.meanIou() == null ? null : 100 * t.meanIou()),
        t.count());
  }

  private static String percent(Double p) {
    return p == null ? "n/a" : String.format(Locale.ROOT, "%.2f", p);
  }
}
