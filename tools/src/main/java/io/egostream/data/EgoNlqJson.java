package io.egostream.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.egostream.world.Recording;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Ego4D Natural Language Queries annotations, {@code nlq_{val,test}.json}: {@code videos[].video_uid} →
 * {@code clips[].{clip_uid, video_start_sec, video_end_sec}} → {@code annotations[].annotation_uid} →
 * {@code language_queries[].{query, clip_start_sec, clip_end_sec}} (times of the moment from the clip's start).
 *
 * <p>{@code gen-data} writes one clip per recording (the whole video, {@code clip_uid} = {@code video_uid}) with one
 * annotation holding one query per narrated action whose narration occurs once in the recording, so the true moment
 * is unambiguous; the query is the narration, the moment the action's range. Reading is lenient as Ego4D's own file
 * needs: a query without text (the real file has some) or with bad times is skipped with its reason, unknown fields
 * are ignored; only a file that is not an object with a {@code videos} array is an error.
 */
public final class EgoNlqJson {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private EgoNlqJson() {}

  /** Writes the queries of {@code recordings} (see the class comment); returns how many. */
  public static int write(Path file, List<SyntheticRecording> recordings) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1");
    root.put("description", "gen-data: one query per narrated action whose narration is unique in its recording");
    ArrayNode videos = root.putArray("videos");
    int count = 0;
    for (SyntheticRecording r : recordings) {
      double seconds = r.recording().durationMs() / 1000.0;
      ObjectNode video = videos.addObject();
      video.put("video_uid", r.videoUid());
      ObjectNode clip = video.putArray("clips").addObject();
      clip.put("clip_uid", r.videoUid());
      clip.put("video_start_sec", 0.0);
      clip.put("video_end_sec", seconds);
      ObjectNode annotation = clip.putArray("annotations").addObject();
      annotation.put("annotation_uid", r.videoUid() + "-nlq");
      ArrayNode queries = annotation.putArray("language_queries");
      Map<String, Integer> times = new HashMap<>();
      r.recording().actions().forEach(a -> times.merge(a.narration(), 1, Integer::sum));
      for (Recording.Action a : r.recording().actions()) {
        if (times.get(a.narration()) == 1) {
          ObjectNode q = queries.addObject();
          q.put("clip_start_sec", a.startMs() / 1000.0);
          q.put("clip_end_sec", a.endMs() / 1000.0);
          q.put("video_start_sec", a.startMs() / 1000.0);
          q.put("video_end_sec", a.endMs() / 1000.0);
          q.put("query", a.narration());
          q.put("verb_x", a.verb().tag());
          q.put("slot_x", a.noun());
          count++;
        }
      }
    }
    JSON.writeValue(file.toFile(), root);
    return count;
  }

  /**
   * Reads a file.
   *
   * @throws IOException if it cannot be read, is not JSON, or has no {@code videos} array
   */
  public static ReadResult<NlqQuery> read(Path file) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new IOException("Invalid NLQ file " + file + ": not JSON (" + e.getOriginalMessage() + " at line "
          + e.getLocation().getLineNr() + ")", e);
    }
    if (root == null || !root.isObject() || !root.path("videos").isArray()) {
      throw new IOException("Invalid NLQ file " + file + ": expected a JSON object with a \"videos\" array (Ego4D's "
          + "nlq_val.json layout)");
    }
    List<NlqQuery> queries = new ArrayList<>();
    List<Rejected> rejected = new ArrayList<>();
    int v = 0;
    for (JsonNode video : root.get("videos")) {
      String videoUid = video.path("video_uid").asText("");
      int c = 0;
      for (JsonNode clip : video.path("clips")) {
        String clipUid = clip.path("clip_uid").asText("");
        int a = 0;
        for (JsonNode annotation : clip.path("annotations")) {
          String annotationUid = annotation.path("annotation_uid").asText("");
          int q = 0;
          for (JsonNode query : annotation.path("language_queries")) {
            String where = "videos[" + v + "].clips[" + c + "].annotations[" + a + "].language_queries[" + q + "]";
            try {
              queries.add(query(videoUid, clipUid, clip, annotationUid, q, query));
            } catch (IllegalArgumentException e) {
              rejected.add(new Rejected(where, e.getMessage()));
            }
            q++;
          }
          a++;
        }
        c++;
      }
      v++;
    }
    return new ReadResult<>(queries, rejected);
  }

  private static NlqQuery query(String videoUid, String clipUid, JsonNode clip, String annotationUid, int index,
      JsonNode query) {
    if (clipUid.isBlank() || annotationUid.isBlank()) {
      throw new IllegalArgumentException("its clip_uid or annotation_uid is missing");
    }
    return new NlqQuery(videoUid.isBlank() ? clipUid : videoUid, clipUid, number(clip, "video_start_sec"),
        number(clip, "video_end_sec"), annotationUid, index, query.path("query").asText(""),
        number(query, "clip_start_sec"), number(query, "clip_end_sec"), query.path("verb_x").asText("unknown"));
  }

  private static double number(JsonNode node, String name) {
    JsonNode value = node.get(name);
    if (value != null && value.isNumber()) {
      return value.asDouble();
    }
    if (value != null && value.isTextual()) {
      try {
        return Double.parseDouble(value.asText().strip());
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw new IllegalArgumentException(name + " " + value + " is missing or not a number of seconds");
  }
}
