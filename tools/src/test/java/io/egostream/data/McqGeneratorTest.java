package io.egostream.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egostream.world.Recording;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class McqGeneratorTest {

  /** The documented command (gen-data --recordings 500, defaults otherwise) gives >= 1000 test questions. */
  @Test
  void theDocumentedCommandGivesAThousandTestQuestions() {
    GenDataSettings settings = new GenDataSettings(500, 0, List.of(0.8, 0.1, 0.1), 0, 4, 12, 160, 120, 8);
    List<SyntheticRecording> test =
        SyntheticDataset.plan(settings).stream().filter(r -> r.split() == Split.TEST).toList();

    List<McqQuestion> questions = new McqGenerator(test, 7).generate(0);

    assertEquals(50, test.size());
    assertTrue(questions.size() >= 1000, questions.size() + " questions");
    long intra = questions.stream().filter(q -> q.type() == McqType.INTRA_VIDEO).count();
    assertTrue(intra >= 450, intra + " intra-video questions");
    questions.forEach(McqGeneratorTest::checkQuestion);
  }

  @Test
  void intraVideoQuestionsIncludeTheTimeReversedAction() {
    GenDataSettings settings = new GenDataSettings(6, 3, List.of(0.0, 0.0, 1.0), 0, 4, 12, 160, 120, 8);
    List<SyntheticRecording> recordings = SyntheticDataset.plan(settings);
    int withReverse = 0;
    for (McqQuestion q : new McqGenerator(recordings, 1).generate(0)) {
      checkQuestion(q);
      if (q.type() != McqType.INTRA_VIDEO) {
        continue;
      }
      Recording.Action asked = action(recordings, q.query());
      boolean reverseExists = recordingOf(recordings, q.query()).recording().actions().stream()
          .anyMatch(a -> a.object() == asked.object() && a.verb() == McqGenerator.reverse(asked.verb()));
      boolean reverseOffered = q.choices().stream().map(c -> action(recordings, c))
          .anyMatch(a -> a.object() == asked.object() && a.verb() == McqGenerator.reverse(asked.verb()));
      assertEquals(reverseExists, reverseOffered, "question " + q.key() + " on " + q.query().clipText());
      withReverse += reverseOffered ? 1 : 0;
    }
    assertTrue(withReverse > 10, withReverse + " questions with a time-reversed choice");
  }

  @Test
  void aLimitAboveOneRoundRepeatsQueriesWithNewDistractors() {
    GenDataSettings settings = new GenDataSettings(6, 3, List.of(0.0, 0.0, 1.0), 0, 4, 6, 160, 120, 8);
    List<SyntheticRecording> recordings = SyntheticDataset.plan(settings);
    McqGenerator generator = new McqGenerator(recordings, 1);
    int oneRound = generator.generate(0).size();

    List<McqQuestion> many = generator.generate(oneRound * 2 + 3);

    assertEquals(oneRound * 2 + 3, many.size());
    assertEquals(String.valueOf(many.size() - 1), many.get(many.size() - 1).key());
    assertEquals(generator.generate(0), new McqGenerator(recordings, 1).generate(0), "seeded");
    assertNotEquals(generator.generate(0), new McqGenerator(recordings, 2).generate(0));
  }

  /** The answer points at the query's clip; types match where the choices come from; narrations all differ. */
  static void checkQuestion(McqQuestion q) {
    assertEquals(5, q.choices().size());
    assertEquals(q.query(), q.choices().get(q.answer()), "question " + q.key());
    Set<String> videos = new HashSet<>();
    Set<String> narrations = new HashSet<>();
    q.choices().forEach(c -> {
      videos.add(c.videoUid());
      narrations.add(c.clipText());
    });
    assertEquals(5, narrations.size(), "question " + q.key() + " narrations " + narrations);
    assertEquals(q.type() == McqType.INTER_VIDEO ? 5 : 1, videos.size(), "question " + q.key() + " " + q.type());
  }

  private static SyntheticRecording recordingOf(List<SyntheticRecording> recordings, NarratedClip clip) {
    return recordings.stream().filter(r -> r.videoUid().equals(clip.videoUid())).findFirst().orElseThrow();
  }

  private static Recording.Action action(List<SyntheticRecording> recordings, NarratedClip clip) {
    return recordingOf(recordings, clip).recording().actions().stream()
        .filter(a -> a.startMs() / 1000.0 == clip.clipStart()).findFirst().orElseThrow();
  }
}
