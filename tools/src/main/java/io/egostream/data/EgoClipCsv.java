package io.egostream.data;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * EgoClip clip metadata: one narrated clip per row, columns found by header name.
 *
 * <p>Reads the real Ego4D {@code egoclip.csv} (tab-separated despite its name; columns video_uid, video_dur,
 * narration_source, narration_ind, narration_time, clip_start, clip_end, clip_text, tag_verb, tag_noun; tags are
 * taxonomy indices like {@code [93]}) and comma-separated files alike: the delimiter is a tab if the header has one.
 * Needed columns: video_uid, clip_start, clip_end, clip_text; tag_verb and tag_noun are optional, extra columns are
 * ignored. Double-quoted fields (with {@code ""} escapes) are understood; a field spanning lines is not.
 *
 * <p>Writes tab-separated files with the columns video_uid, clip_start, clip_end, clip_text, tag_verb, tag_noun, the
 * tags as word lists ({@code ['pick up']}, see {@link TagList}) rather than indices, so no taxonomy file is needed.
 */
public final class EgoClipCsv {

  public static final List<String> COLUMNS =
      List.of("video_uid", "clip_start", "clip_end", "clip_text", "tag_verb", "tag_noun");
  private static final List<String> REQUIRED = COLUMNS.subList(0, 4);

  private EgoClipCsv() {}

  /** Writes {@code clips} as a tab-separated file with a header row. */
  public static void write(Path file, List<NarratedClip> clips) throws IOException {
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      out.write(String.join("\t", COLUMNS));
      out.newLine();
      for (NarratedClip c : clips) {
        out.write(String.join("\t", field(c.videoUid()), seconds(c.clipStart()), seconds(c.clipEnd()),
            field(c.clipText()), field(TagList.format(c.tagVerb())), field(TagList.format(c.tagNoun()))));
        out.newLine();
      }
    }
  }

  /** Reads a whole file; bad rows are skipped and listed with their line number and reason. */
  public static ReadResult<NarratedClip> read(Path file) throws IOException {
    List<NarratedClip> clips = new ArrayList<>();
    List<Rejected> rejected = new ArrayList<>();
    read(file, clips::add, rejected::add);
    return new ReadResult<>(clips, rejected);
  }

  /**
   * Streams a file row by row (the real EgoClip has 3.8 M rows), good rows to {@code clips}, bad ones to
   * {@code rejected}.
   *
   * @throws IOException if the file cannot be read or its header lacks a needed column
   */
  public static void read(Path file, Consumer<NarratedClip> clips, Consumer<Rejected> rejected) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = in.readLine();
      if (header == null) {
        throw new IOException("Invalid EgoClip file " + file + ": it is empty (expected a header row with "
            + String.join(", ", REQUIRED) + ")");
      }
      char delimiter = header.indexOf('\t') >= 0 ? '\t' : ',';
      Map<String, Integer> columns = columns(splitRow(stripBom(header), delimiter));
      for (String needed : REQUIRED) {
        if (!columns.containsKey(needed)) {
          throw new IOException("Invalid EgoClip file " + file + ": no column " + needed + " in its header (found "
              + columns.keySet() + "; needed: " + String.join(", ", REQUIRED) + ", optional: tag_verb, tag_noun)");
        }
      }
      String line;
      int lineNumber = 1;
      while ((line = in.readLine()) != null) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        try {
          clips.accept(row(splitRow(line, delimiter), columns));
        } catch (IllegalArgumentException e) {
          rejected.accept(new Rejected("line " + lineNumber, e.getMessage()));
        }
      }
    }
  }

  private static NarratedClip row(List<String> cells, Map<String, Integer> columns) {
    return new NarratedClip(cell(cells, columns, "video_uid"), number(cells, columns, "clip_start"),
        number(cells, columns, "clip_end"), cell(cells, columns, "clip_text"),
        TagList.parse(optionalCell(cells, columns, "tag_verb")),
        TagList.parse(optionalCell(cells, columns, "tag_noun")));
  }

  private static String cell(List<String> cells, Map<String, Integer> columns, String name) {
    int index = columns.get(name);
    if (index >= cells.size()) {
      throw new IllegalArgumentException("has " + cells.size() + " fields, so no " + name + " (column " + (index + 1)
          + ")");
    }
    return cells.get(index);
  }

  private static String optionalCell(List<String> cells, Map<String, Integer> columns, String name) {
    Integer index = columns.get(name);
    return index == null || index >= cells.size() ? "" : cells.get(index);
  }

  private static double number(List<String> cells, Map<String, Integer> columns, String name) {
    String value = cell(cells, columns, name).strip();
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " \"" + value + "\" is not a number of seconds");
    }
  }

  private static Map<String, Integer> columns(List<String> header) {
    Map<String, Integer> columns = new HashMap<>();
    for (int i = 0; i < header.size(); i++) {
      columns.putIfAbsent(header.get(i).strip().toLowerCase(Locale.ROOT), i);
    }
    return columns;
  }

  /** Splits one line, honouring double-quoted fields. */
  static List<String> splitRow(String line, char delimiter) {
    List<String> cells = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    boolean fieldStart = true;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cell.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cell.append(c);
        }
      } else if (c == '"' && fieldStart) {
        quoted = true;
        fieldStart = false;
      } else if (c == delimiter) {
        cells.add(cell.toString());
        cell.setLength(0);
        fieldStart = true;
      } else {
        cell.append(c);
        fieldStart = false;
      }
    }
    if (quoted) {
      throw new IllegalArgumentException("has an unclosed double quote (a field spanning lines is not supported)");
    }
    cells.add(cell.toString());
    return cells;
  }

  private static String stripBom(String header) {
    return header.startsWith("\uFEFF") ? header.substring(1) : header;
  }

  /** Quotes a field only if it holds a tab, quote or line break, as pandas does. */
  private static String field(String value) {
    if (value.indexOf('\t') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
      return value;
    }
    return '"' + value.replace("\"", "\"\"").replace("\r", " ").replace("\n", " ") + '"';
  }

  /** Millisecond precision: our clip times are whole milliseconds, and "3.5" reads better than "3.5000000001". */
  private static String seconds(double value) {
    return new java.math.BigDecimal(value).setScale(3, java.math.RoundingMode.HALF_UP).stripTrailingZeros()
        .toPlainString();
  }
}
