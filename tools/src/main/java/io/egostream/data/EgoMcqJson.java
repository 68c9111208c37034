package io.egostream.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * EgoMCQ questions, {@code egomcq.json}: an object keyed "0".."N-1"; each value has {@code query} (a clip record:
 * video_uid, clip_start, clip_end, clip_text, and in the real file more columns of EgoClip), {@code choices} (an
 * object keyed "0".."4" of clip records), {@code answer} (index of the right choice) and {@code types} (1 =
 * inter-video, 2 = intra-video).
 *
 * <p>Reading is lenient where the real file varies: numbers may be JSON numbers or numeric strings, tags may be
 * list-notation strings ({@code "[93]"}) or JSON arrays, {@code choices} may be an array, unknown fields are ignored.
 * A malformed question is skipped and listed with its key and reason; only a file that is not a JSON object (or
 * array) of questions is an error.
 */
public final class EgoMcqJson {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private EgoMcqJson() {}

  public static void write(Path file, List<McqQuestion> questions) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    for (int i = 0; i < questions.size(); i++) {
      McqQuestion q = questions.get(i);
      ObjectNode item = root.putObject(String.valueOf(i));
      item.set("query", clip(q.query()));
      ObjectNode choices = item.putObject("choices");
      for (int c = 0; c < q.choices().size(); c++) {
        choices.set(String.valueOf(c), clip(q.choices().get(c)));
      }
      item.put("answer", q.answer());
      item.put("types", q.type().code());
    }
    JSON.writeValue(file.toFile(), root);
  }

  /**
   * Reads a file.
   *
   * @throws IOException if it cannot be read, is not JSON, or is not an object (or array) of questions
   */
  public static ReadResult<McqQuestion> read(Path file) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new IOException("Invalid EgoMCQ file " + file + ": not JSON (" + e.getOriginalMessage() + " at line "
          + e.getLocation().getLineNr() + ")", e);
    }
    if (root == null || !(root.isObject() || root.isArray())) {
      throw new IOException("Invalid EgoMCQ file " + file + ": expected a JSON object of questions keyed \"0\".."
          + "\"N-1\" (egomcq.json layout), found " + (root == null ? "nothing" : root.getNodeType()));
    }
    List<McqQuestion> questions = new ArrayList<>();
    List<Rejected> rejected = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> items = entries(root);
    while (items.hasNext()) {
      Map.Entry<String, JsonNode> item = items.next();
      try {
        questions.add(question(item.getKey(), item.getValue()));
      } catch (IllegalArgumentException e) {
        rejected.add(new Rejected(item.getKey(), e.getMessage()));
      }
    }
    return new ReadResult<>(questions, rejected);
  }

  private static McqQuestion question(String key, JsonNode item) {
    if (!item.isObject()) {
      throw new IllegalArgumentException("is a JSON " + item.getNodeType() + ", not an object with query, choices, "
          + "answer and types");
    }
    NarratedClip query = clip("query", field(item, "query"));
    JsonNode choicesNode = field(item, "choices");
    if (!choicesNode.isObject() && !choicesNode.isArray()) {
      throw new IllegalArgumentException("choices is not an object keyed \"0\"..\"4\"");
    }
    List<NarratedClip> choices = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> it = entries(choicesNode);
    int expected = 0;
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> choice = it.next();
      if (!choice.getKey().equals(String.valueOf(expected))) {
        // The answer is an index by key; a gap or reordering would make it point at the wrong clip.
        throw new IllegalArgumentException("choices keys are not \"0\", \"1\", ... in order (found \""
            + choice.getKey() + "\" at position " + expected + ")");
      }
      choices.add(clip("choice " + choice.getKey(), choice.getValue()));
      expected++;
    }
    int answer = integer(field(item, "answer"), "answer");
    McqType type = McqType.ofCode(integer(field(item, "types"), "types"));
    try {
      return new McqQuestion(key, query, choices, answer, type);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static NarratedClip clip(String where, JsonNode node) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(where + " is not an object");
    }
    try {
      return new NarratedClip(text(field(node, "video_uid"), "video_uid"),
          number(field(node, "clip_start"), "clip_start"), number(field(node, "clip_end"), "clip_end"),
          text(field(node, "clip_text"), "clip_text"),
          tags(node.get("tag_verb")), tags(node.get("tag_noun")));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  private static JsonNode field(JsonNode node, String name) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException("no " + name + " field");
    }
    return value;
  }

  private static String text(JsonNode node, String name) {
    if (!node.isValueNode()) {
      throw new IllegalArgumentException(name + " is not a string");
    }
    return node.asText();
  }

  private static double number(JsonNode node, String name) {
    if (node.isNumber()) {
      return node.asDouble();
    }
    if (node.isTextual()) {
      try {
        return Double.parseDouble(node.asText().strip());
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
    }
    throw new IllegalArgumentException(name + " " + node + " is not a number of seconds");
  }

  private static int integer(JsonNode node, String name) {
    if (node.isArray() && node.size() == 1) {
      node = node.get(0); // tolerate [1]
    }
    if (node.canConvertToExactIntegral() && node.canConvertToInt()) {
      return node.asInt();
    }
    if (node.isTextual() && node.asText().strip().matches("-?\\d{1,9}")) {
      return Integer.parseInt(node.asText().strip());
    }
    throw new IllegalArgumentException(name + " " + node + " is not an integer");
  }

  private static List<String> tags(JsonNode node) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (node.isArray()) {
      List<String> tags = new ArrayList<>();
      node.forEach(t -> tags.add(t.asText()));
      return tags;
    }
    return TagList.parse(node.asText());
  }

  private static Iterator<Map.Entry<String, JsonNode>> entries(JsonNode node) {
    if (node.isObject()) {
      return node.fields();
    }
    List<Map.Entry<String, JsonNode>> list = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      list.add(Map.entry(String.valueOf(i), node.get(i)));
    }
    return list.iterator();
  }

  private static ObjectNode clip(NarratedClip c) {
    ObjectNode node = JSON.createObjectNode();
    node.put("video_uid", c.videoUid());
    node.put("clip_start", millis(c.clipStart()));
    node.put("clip_end", millis(c.clipEnd()));
    node.put("clip_text", c.clipText());
    // As strings in list notation, like the real file (its records are EgoClip rows, tags and all).
    node.put("tag_verb", TagList.format(c.tagVerb()));
    node.put("tag_noun", TagList.format(c.tagNoun()));
    return node;
  }

  /** Millisecond precision: our clip times are whole milliseconds. */
  private static double millis(double seconds) {
    return Math.round(seconds * 1000) / 1000.0;
  }
}
