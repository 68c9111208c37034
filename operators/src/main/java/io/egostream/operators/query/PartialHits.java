package io.egostream.operators.query;

import io.egostream.operators.records.ClipHit;

/**
 * One parallel clip store's answer to a moment query: the best {@code topK} of the clips it holds. {@link MergeHits}
 * waits for {@link #parallelism} of them (one per subtask index) and merges them into the answer. A Flink POJO.
 */
public class PartialHits {
  public String queryId;
  /** Which clip store instance sent it, and how many there are: how many partials the merge waits for. */
  public int subtaskIndex;
  public int parallelism;
  /** Hits (and moments) wanted by the query. */
  public int topK;
  /** Clips one moment can absorb at most ({@code MomentRules.clipsPerMoment}): {@link #hits} holds this many per k. */
  public int clipsPerMoment;
  /** At most {@code topK · clipsPerMoment}, best first ({@link ClipHit#BEST_FIRST}): enough for topK moments. */
  public ClipHit[] hits;
  /** How many of this instance's clips passed the query's device and time filters and were scored. */
  public int clipsScored;
  /** Wall-clock time (ms) at which the job read the query: where the answer's latency starts, at the latest. */
  public long queryIngestTimeMs;
  /** The query's text embedding and model, and its event-time range (0 = unbounded): for refinement. */
  public float[] textEmbedding;
  public String modelId;
  public long fromMs;
  public long toMs;

  public PartialHits() {}

  public PartialHits(String queryId, int subtaskIndex, int parallelism, int topK, int clipsPerMoment, ClipHit[] hits,
      int clipsScored, long queryIngestTimeMs) {
    this.queryId = queryId;
    this.subtaskIndex = subtaskIndex;
    this.parallelism = parallelism;
    this.topK = topK;
    this.clipsPerMoment = clipsPerMoment;
    this.hits = hits;
    this.clipsScored = clipsScored;
    this.queryIngestTimeMs = queryIngestTimeMs;
  }
}
