package io.egostream.data;

import java.util.List;

/**
 * One narrated clip, as a row of EgoClip or a clip of an EgoMCQ question.
 *
 * @param videoUid the video it is cut from; its file is {@code <videos>/<video_uid>.mp4}
 * @param clipStart start, seconds from the start of the video (real EgoClip has a few slightly negative starts; readers
 *     keep them, and the evaluation clamps them to 0 as EgoVLP does)
 * @param clipEnd end, seconds; after {@code clipStart}
 * @param clipText the narration, e.g. {@code #C C picks up the red cup}
 * @param tagVerb verb tags: words (ours) or indices into the Ego4D verb taxonomy (real EgoClip), as text; may be empty
 * @param tagNoun noun tags, likewise
 */
public record NarratedClip(
    String videoUid, double clipStart, double clipEnd, String clipText, List<String> tagVerb, List<String> tagNoun) {

  public NarratedClip {
    tagVerb = List.copyOf(tagVerb);
    tagNoun = List.copyOf(tagNoun);
    if (videoUid == null || videoUid.isBlank()) {
      throw new IllegalArgumentException("video_uid is missing or empty");
    }
    if (!Double.isFinite(clipStart) || !Double.isFinite(clipEnd)) {
      throw new IllegalArgumentException(
          "clip_start " + clipStart + " / clip_end " + clipEnd + " is not a finite number");
    }
    if (clipEnd <= clipStart) {
      throw new IllegalArgumentException(
          "clip_end " + clipEnd + " is not after clip_start " + clipStart + " (an empty clip)");
    }
    if (clipText == null || clipText.isBlank()) {
      throw new IllegalArgumentException("clip_text is missing or empty");
    }
  }

  public double durationSeconds() {
    return clipEnd - clipStart;
  }

  /**
   * The verb this clip is filed under in per-verb reports: the first verb tag if there is one, else the narration's
   * first word after Ego4D's {@code #C C} prefix ("picks"), else {@code unknown}.
   */
  public String verbKey() {
    if (!tagVerb.isEmpty()) {
      return tagVerb.get(0);
    }
    String text = clipText.strip();
    for (String prefix : List.of("#C C ", "#c c ", "#C ", "#O ")) {
      if (text.startsWith(prefix)) {
        text = text.substring(prefix.length()).strip();
        break;
      }
    }
    String[] words = text.split("\\s+");
    return words.length == 0 || words[0].isEmpty() ? "unknown" : words[0].toLowerCase(java.util.Locale.ROOT);
  }
}
