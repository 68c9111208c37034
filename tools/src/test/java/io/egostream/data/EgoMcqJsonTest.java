package io.egostream.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EgoMcqJsonTest {

  @TempDir Path dir;

  @Test
  void writtenQuestionsReadBackEqual() throws IOException {
    List<NarratedClip> choices = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      choices.add(new NarratedClip("v" + i, i, i + 2.5, "#C C opens the box " + i, List.of("open"), List.of("box")));
    }
    List<McqQuestion> questions = List.of(
        new McqQuestion("0", choices.get(3), choices, 3, McqType.INTER_VIDEO),
        new McqQuestion("1", choices.get(0), choices, 0, McqType.INTRA_VIDEO));
    Path file = dir.resolve("egomcq.json");
    EgoMcqJson.write(file, questions);

    ReadResult<McqQuestion> read = EgoMcqJson.read(file);

    assertEquals(questions, read.items());
    assertTrue(read.rejected().isEmpty());
  }

  /** The real egomcq.json: its clip records are EgoClip rows (more fields, tags as index strings). */
  @Test
  void readsTheRealLayoutAndSkipsMalformedItemsWithReasons() throws IOException {
    String choice = "{\"video_uid\": \"%s\", \"video_dur\": 1200.0, \"narration_source\": \"narration_pass_1\", "
        + "\"narration_ind\": 4, \"narration_time\": 30.2, \"clip_start\": %s, \"clip_end\": 31.1, "
        + "\"clip_text\": \"#C C %s\", \"tag_verb\": \"[93]\", \"tag_noun\": \"[192, 115]\"}";
    String choices = "{\"0\": " + String.format(choice, "a", "29.3", "cuts the onion") + ", \"1\": "
        + String.format(choice, "b", "\"29.3\"", "opens the tap") + ", \"2\": "
        + String.format(choice, "c", "29.3", "holds the pan") + ", \"3\": "
        + String.format(choice, "d", "29.3", "drops the knife") + ", \"4\": "
        + String.format(choice, "e", "29.3", "walks") + "}";
    String query = String.format(choice, "b", "29.3", "opens the tap");
    Path file = dir.resolve("egomcq.json");
    Files.writeString(file, "{"
        + "\"0\": {\"query\": " + query + ", \"choices\": " + choices + ", \"answer\": 1, \"types\": 1},"
        + "\"1\": {\"query\": " + query + ", \"choices\": " + choices + ", \"answer\": \"1\", \"types\": 2},"
        + "\"2\": {\"choices\": " + choices + ", \"answer\": 1, \"types\": 1},"
        + "\"3\": {\"query\": " + query + ", \"choices\": " + choices + ", \"answer\": 7, \"types\": 1},"
        + "\"4\": {\"query\": " + query + ", \"choices\": " + choices + ", \"answer\": 1, \"types\": 3},"
        + "\"5\": {\"query\": " + query.replace("\"clip_start\": 29.3", "\"clip_start\": \"soon\"")
        + ", \"choices\": " + choices + ", \"answer\": 1, \"types\": 1},"
        + "\"6\": [1, 2, 3]"
        + "}");

    ReadResult<McqQuestion> read = EgoMcqJson.read(file);

    assertEquals(List.of("0", "1"), read.items().stream().map(McqQuestion::key).toList());
    McqQuestion q = read.items().get(0);
    assertEquals("#C C opens the tap", q.query().clipText());
    assertEquals("b", q.choices().get(q.answer()).videoUid());
    assertEquals(29.3, q.choices().get(1).clipStart(), "numeric strings are read as numbers");
    assertEquals(List.of("93"), q.query().tagVerb());
    assertEquals(McqType.INTER_VIDEO, q.type());
    assertEquals(McqType.INTRA_VIDEO, read.items().get(1).type());
    Map<String, String> reasons = read.rejected().stream().collect(Collectors.toMap(Rejected::item, Rejected::reason));
    assertEquals("no query field", reasons.get("2"));
    assertEquals("answer 7 is not an index into its 5 choices", reasons.get("3"));
    assertEquals("types 3 is neither 1 (inter-video) nor 2 (intra-video)", reasons.get("4"));
    assertEquals("query: clip_start \"soon\" is not a number of seconds", reasons.get("5"));
    assertTrue(reasons.get("6").startsWith("is a JSON ARRAY"), reasons.get("6"));
  }

  @Test
  void aFileThatIsNotJsonIsAnError() throws IOException {
    Path file = Files.writeString(dir.resolve("egomcq.json"), "{\"0\": {");

    IOException e = assertThrows(IOException.class, () -> EgoMcqJson.read(file));

    assertTrue(e.getMessage().startsWith("Invalid EgoMCQ file " + file + ": not JSON"), e.getMessage());
  }
}
