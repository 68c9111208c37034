package io.egostream.data;

/**
 * One natural-language query of an Ego4D NLQ annotation file: find {@code query} in its clip.
 *
 * @param videoUid the video the clip is cut from
 * @param clipUid the clip searched; its file is {@code <videos>/<clip_uid>.mp4}, or else the range
 *     {@code [videoStartSec, videoEndSec]} of {@code <videos>/<video_uid>.mp4}
 * @param videoStartSec where the clip starts in its video, seconds
 * @param videoEndSec where the clip ends in its video, seconds; after {@code videoStartSec}
 * @param annotationUid the annotation holding the query
 * @param queryIdx the query's index in the annotation's {@code language_queries} (how Ego4D's prediction file names
 *     it)
 * @param query the text, e.g. {@code #C C picks up the red cup}
 * @param startSec the true moment's start, seconds from the clip's start
 * @param endSec its end, seconds from the clip's start; not before {@code startSec} (Ego4D has some empty ones)
 * @param verb the query's verb ({@code verb_x}) for per-verb reports, or {@code unknown}
 */
public record NlqQuery(String videoUid, String clipUid, double videoStartSec, double videoEndSec,
    String annotationUid, int queryIdx, String query, double startSec, double endSec, String verb) {

  public NlqQuery {
    if (!(videoEndSec > videoStartSec) || !Double.isFinite(videoStartSec) || !Double.isFinite(videoEndSec)) {
      throw new IllegalArgumentException("clip " + clipUid + ": video_end_sec " + videoEndSec
          + " is not after video_start_sec " + videoStartSec);
    }
    if (query == null || query.isBlank()) {
      throw new IllegalArgumentException("query is missing or empty");
    }
    if (!Double.isFinite(startSec) || !Double.isFinite(endSec) || endSec < startSec) {
      throw new IllegalArgumentException("clip_end_sec " + endSec + " is before clip_start_sec " + startSec
          + " or not a number");
    }
  }

  /** The clip's length, seconds. */
  public double clipSeconds() {
    return videoEndSec - videoStartSec;
  }

  /** Where it is in the file, as Ego4D's prediction file names it: {@code clip_uid/annotation_uid/query_idx}. */
  public String key() {
    return clipUid + "/" + annotationUid + "/" + queryIdx;
  }
}
