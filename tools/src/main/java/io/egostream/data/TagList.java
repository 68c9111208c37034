package io.egostream.data;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The list notation of EgoClip's {@code tag_verb} / {@code tag_noun} columns: Python list literals written by pandas,
 * {@code [93]} or {@code [390, 2]} (indices into the Ego4D taxonomies) in the real file. Ours holds words:
 * {@code ['pick up']}, single-quoted so that Python's {@code ast.literal_eval} reads it and no CSV quoting is needed.
 * Reading also accepts double quotes (JSON), a bare word, and an empty cell.
 */
public final class TagList {

  private TagList() {}

  /** {@code ['pick up', 'cup']}. */
  public static String format(List<String> tags) {
    return tags.stream().map(t -> "'" + t.replace("\\", "\\\\").replace("'", "\\'") + "'")
        .collect(Collectors.joining(", ", "[", "]"));
  }

  /**
   * Parses a cell: {@code [93, 2]} → ["93", "2"], {@code ['pick up']} → ["pick up"], {@code pick up} → ["pick up"].
   *
   * @throws IllegalArgumentException naming the cell if a bracket or quote is left open
   */
  public static List<String> parse(String cell) {
    String s = cell == null ? "" : cell.strip();
    if (s.isEmpty()) {
      return List.of();
    }
    if (!s.startsWith("[")) {
      return List.of(s); // a single tag written without list notation
    }
    if (!s.endsWith("]")) {
      throw new IllegalArgumentException("tag list " + cell + " opens '[' but does not close it");
    }
    List<String> tags = new ArrayList<>();
    String body = s.substring(1, s.length() - 1);
    int i = 0;
    while (i < body.length()) {
      char c = body.charAt(i);
      if (c == ',' || Character.isWhitespace(c)) {
        i++;
      } else if (c == '\'' || c == '"') {
        StringBuilder tag = new StringBuilder();
        int j = i + 1;
        while (j < body.length() && body.charAt(j) != c) {
          if (body.charAt(j) == '\\' && j + 1 < body.length()) {
            j++;
          }
          tag.append(body.charAt(j++));
        }
        if (j >= body.length()) {
          throw new IllegalArgumentException("tag list " + cell + " has an unclosed quote");
        }
        tags.add(tag.toString());
        i = j + 1;
      } else {
        int j = body.indexOf(',', i);
        j = j < 0 ? body.length() : j;
        tags.add(body.substring(i, j).strip());
        i = j + 1;
      }
    }
    return List.copyOf(tags);
  }
}
