package io.egostream.console;

import io.egostream.proto.v1.CancelQuery;
import io.egostream.proto.v1.ClipRange;
import io.egostream.proto.v1.McqQuery;
import io.egostream.proto.v1.MomentQuery;
import io.egostream.proto.v1.Query;
import io.egostream.proto.v1.StandingQuery;
import java.util.List;

/**
 * What the console's pages send, as values, and the {@link Query} each becomes.
 *
 * <p>Only what a form needs to make a well-formed query is checked here (text present, five choices that parse, a
 * top-k the page can show). Everything else (empty or too long ranges, thresholds, the job's {@code limits.*}) is the
 * job's to judge, since only the job knows its configured limits: it answers such a query {@code ERROR} with its
 * reason, and the page shows that reason.
 */
public final class QueryForms {
  /** Most hits a search may ask for: every card fetches its frames from Kafka. */
  public static final int MAX_TOP_K = 50;

  private QueryForms() {}

  /** A form the console refuses before anything is sent; the message says what to change. */
  public static final class InvalidForm extends IllegalArgumentException {
    InvalidForm(String message) {
      super(message);
    }
  }

  /** Search: text, devices (empty = all), event-time range [fromMs, toMs) (0 = open), top-k. */
  public record MomentForm(String text, List<String> devices, long fromMs, long toMs, int topK) {}

  /** Ask: the narration and five choices, each {@code DEVICE:START_MS:END_MS}; waitMs 0 = the job's default. */
  public record McqForm(String narration, List<String> choices, long waitMs) {}

  /** Alerts: text, cosine threshold, devices (empty = all). */
  public record StandingForm(String text, float threshold, List<String> devices) {}

  /** A moment query {@code id} sent at {@code nowMs}. */
  public static Query moment(String id, MomentForm form, long nowMs) {
    if (form.topK() < 1 || form.topK() > MAX_TOP_K) {
      throw new InvalidForm("Invalid value " + form.topK() + " for top-k: must be 1 to " + MAX_TOP_K);
    }
    return query(id, nowMs).setMoment(MomentQuery.newBuilder().setText(text(form.text(), "search text"))
        .addAllDeviceIds(devices(form.devices())).setFromMs(form.fromMs()).setToMs(form.toMs())
        .setTopK(form.topK())).build();
  }

  /** An MCQ {@code id} sent at {@code nowMs}. */
  public static Query mcq(String id, McqForm form, long nowMs) {
    List<String> choices = form.choices() == null ? List.of() : form.choices();
    if (choices.size() != 5) {
      throw new InvalidForm("An EgoMCQ question needs exactly 5 choices, not " + choices.size()
          + " (click ranges on the timelines or type DEVICE:START_MS:END_MS)");
    }
    McqQuery.Builder mcq = McqQuery.newBuilder().setNarration(text(form.narration(), "narration"))
        .setTimeoutMs(form.waitMs());
    for (int i = 0; i < choices.size(); i++) {
      mcq.addChoices(range(i + 1, choices.get(i)));
    }
    return query(id, nowMs).setMcq(mcq).build();
  }

  /** A standing query {@code id} sent at {@code nowMs}. */
  public static Query standing(String id, StandingForm form, long nowMs) {
    return query(id, nowMs).setStanding(StandingQuery.newBuilder().setText(text(form.text(), "alert text"))
        .setThreshold(form.threshold()).addAllDeviceIds(devices(form.devices()))).build();
  }

  /** Alerts: the standing query to cancel. */
  public record CancelForm(String queryId) {}

  /** The cancel of a standing query. */
  public static Query cancel(CancelForm form, long nowMs) {
    if (form.queryId() == null || form.queryId().isBlank()) {
      throw new InvalidForm("Missing queryId: the id of the standing query to cancel");
    }
    return query(form.queryId(), nowMs).setCancel(CancelQuery.getDefaultInstance()).build();
  }

  /**
   * Choice {@code n} typed as {@code DEVICE:START_MS:END_MS}; the device is everything before the last two colons,
   * so an id may hold colons itself.
   */
  static ClipRange range(int n, String typed) {
    String value = typed == null ? "" : typed.strip();
    int end = value.lastIndexOf(':');
    int start = end <= 0 ? -1 : value.lastIndexOf(':', end - 1);
    if (start <= 0) {
      throw new InvalidForm("Invalid value '" + value + "' for choice " + n + ": use DEVICE:START_MS:END_MS, e.g. "
          + "wearable-00:1700000000000:1700000004000");
    }
    try {
      return ClipRange.newBuilder().setDeviceId(value.substring(0, start))
          .setStartMs(Long.parseLong(value.substring(start + 1, end)))
          .setEndMs(Long.parseLong(value.substring(end + 1))).build();
    } catch (NumberFormatException e) {
      throw new InvalidForm("Invalid value '" + value + "' for choice " + n + ": START_MS and END_MS must be whole "
          + "milliseconds since the epoch");
    }
  }

  private static Query.Builder query(String id, long nowMs) {
    return Query.newBuilder().setQueryId(id).setSentTimeMs(nowMs);
  }

  private static String text(String text, String what) {
    if (text == null || text.isBlank()) {
      throw new InvalidForm("Missing " + what + ": type what to look for, e.g. \"#C C picks up the cup\"");
    }
    return text.strip();
  }

  private static List<String> devices(List<String> devices) {
    return devices == null ? List.of() : devices.stream().map(String::strip).filter(d -> !d.isEmpty()).toList();
  }
}
