package io.egostream.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.world.Recording;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EgoNlqJsonTest {

  @TempDir Path dir;

  @Test
  void oneQueryPerActionWhoseNarrationIsUniqueInItsRecording() throws IOException {
    GenDataSettings settings = new GenDataSettings(20, 5, List.of(0.0, 0.0, 1.0), 0, 4, 12, 160, 120, 8);
    List<SyntheticRecording> recordings = SyntheticDataset.plan(settings);
    Path file = dir.resolve("nlq_test.json");

    int written = EgoNlqJson.write(file, recordings);
    ReadResult<NlqQuery> read = EgoNlqJson.read(file);

    assertEquals(written, read.items().size());
    assertEquals(List.of(), read.rejected());
    int unique = 0;
    boolean someRepeat = false;
    for (SyntheticRecording r : recordings) {
      Map<String, Long> times = r.recording().actions().stream()
          .collect(Collectors.groupingBy(Recording.Action::narration, Collectors.counting()));
      unique += (int) times.values().stream().filter(n -> n == 1).count();
      someRepeat |= times.values().stream().anyMatch(n -> n > 1);
      for (NlqQuery q : read.items().stream().filter(q -> q.videoUid().equals(r.videoUid())).toList()) {
        Recording.Action a = r.recording().actions().stream().filter(x -> x.narration().equals(q.query()))
            .findFirst().orElseThrow();
        assertEquals(1, times.get(q.query()), q.query() + " is asked about but not unique");
        assertEquals(a.startMs() / 1000.0, q.startSec());
        assertEquals(a.endMs() / 1000.0, q.endSec());
        assertEquals(a.verb().tag(), q.verb());
        assertEquals(r.videoUid(), q.clipUid());
        assertEquals(r.recording().durationMs() / 1000.0, q.clipSeconds());
      }
    }
    assertEquals(unique, written);
    assertTrue(someRepeat, "some recording repeats a narration, so the filter is exercised");
    assertEquals(read.items().size(), read.items().stream().collect(Collectors.toMap(NlqQuery::key,
        Function.identity())).size(), "keys are unique");
  }

  @Test
  void queriesWithoutTextOrTimesAreSkippedWithTheirPlace() throws IOException {
    Path file = dir.resolve("nlq_val.json");
    Files.writeString(file, """
        {"videos": [{"video_uid": "v", "clips": [{"clip_uid": "c", "video_start_sec": 10, "video_end_sec": 490,
          "annotations": [{"annotation_uid": "a", "language_queries": [
            {"clip_start_sec": 1.5, "clip_end_sec": 4, "query": "where is the cup?", "extra": 1},
            {"clip_start_sec": 1.5, "clip_end_sec": 4},
            {"clip_start_sec": "x", "clip_end_sec": 4, "query": "q"}]}]}]}]}
        """);

    ReadResult<NlqQuery> read = EgoNlqJson.read(file);

    assertEquals(List.of(new NlqQuery("v", "c", 10, 490, "a", 0, "where is the cup?", 1.5, 4, "unknown")),
        read.items());
    assertEquals(List.of("videos[0].clips[0].annotations[0].language_queries[1]",
        "videos[0].clips[0].annotations[0].language_queries[2]"), read.rejected().stream().map(Rejected::item)
        .toList());
    assertEquals("c/a/0", read.items().get(0).key());
    Files.writeString(file, "[1, 2]");
    assertThrows(IOException.class, () -> EgoNlqJson.read(file));
  }
}
