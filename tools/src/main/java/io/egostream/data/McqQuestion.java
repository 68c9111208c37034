package io.egostream.data;

import java.util.List;

/**
 * One EgoMCQ question: which of the choice clips does the query's narration describe?
 *
 * @param key its key in egomcq.json ("0".."N-1")
 * @param query the narrated clip asked about; its {@code clip_text} is the question
 * @param choices the candidate clips, in key order ("0".."4")
 * @param answer index into {@code choices} of the right clip
 * @param type inter-video or intra-video
 */
public record McqQuestion(String key, NarratedClip query, List<NarratedClip> choices, int answer, McqType type) {

  public McqQuestion {
    choices = List.copyOf(choices);
    if (choices.size() < 2) {
      throw new IllegalArgumentException("has " + choices.size() + " choice(s); a question needs at least 2");
    }
    if (answer < 0 || answer >= choices.size()) {
      throw new IllegalArgumentException(
          "answer " + answer + " is not an index into its " + choices.size() + " choices");
    }
  }
}
