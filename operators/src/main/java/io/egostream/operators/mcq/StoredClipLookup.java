package io.egostream.operators.mcq;

import io.egostream.operators.records.EmbeddedClip;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The fallback for MCQ choices whose exact range the clip builder could not build (frames aged out, too few frames,
 * given up): per device (the key), the stored window-clip embedding that overlaps the choice's range most stands in
 * for it ({@code STORED_CLIP}); with no overlapping clip of the query's model, the choice is {@code MISSING}.
 *
 * <p>Input 1 is the stream's own embedded window clips (request clips are ignored: they belong to one query). Each is
 * kept, slimmed to range and embedding, for {@link McqSettings#storedClipRetentionMs()} of event time past its end:
 * one event-time timer per clip, at {@code end + retention}, removes exactly that clip. Clips are stored by end time,
 * unique per device on the window grid. Clips come in their own device's event time, so a late device's clips may be
 * behind the watermark already: a timer in the past fires with the next watermark, and such a clip (older than the
 * retention) is kept only until then. Input 2 is the unserved {@link ChoiceRequest}s; each is answered at once.
 *
 * <p>Overlap ties (overlapping windows) go to the clip whose centre is nearest the range's centre, then the earlier
 * one. A lookup reads all of the device's stored clips (about 1 KB each, one per stride); lookups only happen for
 * choices that missed their frames, so that is cheap enough.
 *
 * <p><b>Duplication:</b> this is a small, MCQ-only copy of a per-device clip-embedding store; the moment-retrieval
 * {@code ClipStore} (package {@code query}) keeps one too. Once both exist, this lookup should become a query against
 * that store and this class's state ({@code stored-clips}) go away.
 */
public class StoredClipLookup extends KeyedCoProcessFunction<String, EmbeddedClip, ChoiceRequest, ChoiceOutcome> {
  private static final long serialVersionUID = 1L;

  private final McqSettings settings;

  /** End time → the window clip's embedding (slimmed: no kept tokens, no frame times). */
  private transient MapState<Long, EmbeddedClip> storedClips;
  private transient Counter storedClipHits;
  private transient Counter storedClipMisses;

  public StoredClipLookup(McqSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  @Override
  public void open(OpenContext openContext) {
    storedClips = getRuntimeContext().getMapState(
        new MapStateDescriptor<>("stored-clips", Types.LONG, TypeInformation.of(EmbeddedClip.class)));
    storedClipHits = getRuntimeContext().getMetricGroup().counter("storedClipHits");
    storedClipMisses = getRuntimeContext().getMetricGroup().counter("storedClipMisses");
  }

  @Override
  public void processElement1(EmbeddedClip clip, Context ctx, Collector<ChoiceOutcome> out) throws Exception {
    if (clip.isRequestClip()) {
      return; // built for one query's choice, not part of the stream's history
    }
    EmbeddedClip slim = new EmbeddedClip(clip.deviceId, clip.sessionId, clip.startMs, clip.endMs, null,
        clip.embedding, null, clip.modelId, clip.ingestTimeMs);
    storedClips.put(clip.endMs, slim);
    // Its pair is the removal in onTimer; a clip replaced under the same end shares the same timer.
    ctx.timerService().registerEventTimeTimer(expiryOf(clip.endMs));
  }

  @Override
  public void processElement2(ChoiceRequest request, Context ctx, Collector<ChoiceOutcome> out) throws Exception {
    EmbeddedClip best = null;
    long bestOverlap = 0;
    long bestCentreDistance = Long.MAX_VALUE;
    long rangeCentreTimes2 = request.startMs + request.endMs; // centres doubled: exact in integers
    for (EmbeddedClip clip : storedClips.values()) {
      if (request.modelId != null && !request.modelId.equals(clip.modelId)) {
        continue; // embedded by another model: not comparable with the narration's embedding
      }
      long overlap = Math.min(request.endMs, clip.endMs) - Math.max(request.startMs, clip.startMs);
      if (overlap <= 0) {
        continue;
      }
      long centreDistance = Math.abs(clip.startMs + clip.endMs - rangeCentreTimes2);
      boolean better = overlap > bestOverlap
          || (overlap == bestOverlap && (centreDistance < bestCentreDistance
              || (centreDistance == bestCentreDistance && clip.startMs < best.startMs)));
      if (better) {
        best = clip;
        bestOverlap = overlap;
        bestCentreDistance = centreDistance;
      }
    }
    String why = request.reason == null ? "exact range not built" : request.reason;
    if (best == null) {
      storedClipMisses.inc();
      out.collect(ChoiceOutcome.missing(request.queryId, request.choice,
          why + "; no stored clip of device " + request.deviceId + " overlaps [" + request.startMs + ", "
              + request.endMs + ")"));
      return;
    }
    storedClipHits.inc();
    out.collect(ChoiceOutcome.storedClip(request, best, why + "; stored clip [" + best.startMs + ", " + best.endMs
        + ") overlaps " + bestOverlap + " of " + (request.endMs - request.startMs) + " ms"));
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<ChoiceOutcome> out) throws Exception {
    storedClips.remove(timestamp - settings.storedClipRetentionMs());
  }

  private long expiryOf(long endMs) {
    return endMs + settings.storedClipRetentionMs();
  }
}
