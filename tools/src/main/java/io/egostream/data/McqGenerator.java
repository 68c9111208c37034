package io.egostream.data;

import io.egostream.world.Recording;
import io.egostream.world.Verb;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * EgoMCQ questions over the recordings of one held-out split. Each narrated action is asked about once per type:
 *
 * <ul>
 *   <li>inter-video (types 1): the right clip and one clip from each of 4 other recordings of the split;
 *   <li>intra-video (types 2): the right clip and 4 other clips of the same recording. If the recording also holds
 *       the time-reversed action on the same object (put down for pick up, close for open, ...), that clip is always
 *       among them: same object, same scene, same motion played backwards, so only the order of frames tells the two
 *       apart.
 * </ul>
 *
 * No distractor carries the query's narration (that would make the question ambiguous), and the five narrations of a
 * question are all different. The right clip sits at a random position.
 */
public final class McqGenerator {

  public static final int CHOICES = 5;
  private static final Map<Verb, Verb> REVERSE = new EnumMap<>(Verb.class);

  static {
    pair(Verb.PICK_UP, Verb.PUT_DOWN);
    pair(Verb.OPEN, Verb.CLOSE);
    pair(Verb.MOVE_LEFT, Verb.MOVE_RIGHT);
    pair(Verb.POUR_IN, Verb.POUR_OUT);
    pair(Verb.TURN_ON, Verb.TURN_OFF);
  }

  private final List<SyntheticRecording> recordings;
  private final long seed;

  /** Questions over {@code recordings} (one split's), drawn from {@code seed}. */
  public McqGenerator(List<SyntheticRecording> recordings, long seed) {
    this.recordings = List.copyOf(recordings);
    this.seed = seed;
  }

  /** The time-reversed verb (put down for pick up), or null for look at. */
  public static Verb reverse(Verb verb) {
    return REVERSE.get(verb);
  }

  /**
   * {@code limit} questions, or with {@code limit} 0 one round: one question per action and type where the split
   * allows it. A limit above one round's size repeats queries with fresh distractors and answer positions (a new
   * round each time); a limit below takes the first questions of a shuffled round, so both types stay represented.
   */
  public List<McqQuestion> generate(int limit) {
    List<McqQuestion> all = new ArrayList<>();
    for (int round = 0; limit == 0 ? round < 1 : all.size() < limit; round++) {
      List<McqQuestion> batch = round(new Random(SyntheticDataset.mix(seed, round)));
      if (batch.isEmpty()) {
        break; // nothing can be asked in this split: no further round would do better
      }
      all.addAll(batch);
    }
    List<McqQuestion> keyed = new ArrayList<>();
    for (McqQuestion q : limit == 0 ? all : all.subList(0, Math.min(limit, all.size()))) {
      keyed.add(new McqQuestion(String.valueOf(keyed.size()), q.query(), q.choices(), q.answer(), q.type()));
    }
    return keyed;
  }

  private List<McqQuestion> round(Random random) {
    List<McqQuestion> questions = new ArrayList<>();
    for (SyntheticRecording rec : recordings) {
      for (Recording.Action action : rec.recording().actions()) {
        List<NarratedClip> inter = interDistractors(rec, action, random);
        if (inter != null) {
          questions.add(question(rec.clip(action), inter, McqType.INTER_VIDEO, random));
        }
        List<NarratedClip> intra = intraDistractors(rec, action, random);
        if (intra != null) {
          questions.add(question(rec.clip(action), intra, McqType.INTRA_VIDEO, random));
        }
      }
    }
    Collections.shuffle(questions, random);
    return questions;
  }

  /** One random clip from each of 4 other recordings, or null if the split has fewer than 5 recordings. */
  private List<NarratedClip> interDistractors(SyntheticRecording rec, Recording.Action query, Random random) {
    List<SyntheticRecording> others = new ArrayList<>(recordings);
    others.remove(rec);
    Collections.shuffle(others, random);
    Set<String> narrations = new LinkedHashSet<>(List.of(query.narration()));
    List<NarratedClip> picked = new ArrayList<>();
    for (SyntheticRecording other : others) {
      List<Recording.Action> candidates = new ArrayList<>(other.recording().actions());
      candidates.removeIf(a -> narrations.contains(a.narration()));
      if (!candidates.isEmpty()) {
        Recording.Action a = candidates.get(random.nextInt(candidates.size()));
        narrations.add(a.narration());
        picked.add(other.clip(a));
        if (picked.size() == CHOICES - 1) {
          return picked;
        }
      }
    }
    return null;
  }

  /** 4 other clips of the same recording, the time-reversed one first; null if it has too few distinct actions. */
  private List<NarratedClip> intraDistractors(SyntheticRecording rec, Recording.Action query, Random random) {
    List<Recording.Action> candidates = new ArrayList<>(rec.recording().actions());
    Collections.shuffle(candidates, random);
    Verb reversed = reverse(query.verb());
    // Stable sort: reversed actions on the same object go first, the rest keep their shuffled order.
    candidates.sort((a, b) -> Boolean.compare(!isReverse(a, query, reversed), !isReverse(b, query, reversed)));
    Set<String> narrations = new LinkedHashSet<>(List.of(query.narration()));
    List<NarratedClip> picked = new ArrayList<>();
    for (Recording.Action a : candidates) {
      if (narrations.add(a.narration())) {
        picked.add(rec.clip(a));
        if (picked.size() == CHOICES - 1) {
          return picked;
        }
      }
    }
    return null;
  }

  private static boolean isReverse(Recording.Action a, Recording.Action query, Verb reversed) {
    return a.verb() == reversed && a.object() == query.object();
  }

  private static McqQuestion question(NarratedClip right, List<NarratedClip> distractors, McqType type, Random random) {
    List<NarratedClip> choices = new ArrayList<>(distractors);
    Collections.shuffle(choices, random);
    int answer = random.nextInt(CHOICES);
    choices.add(answer, right);
    return new McqQuestion("", right, choices, answer, type);
  }

  private static void pair(Verb a, Verb b) {
    REVERSE.put(a, b);
    REVERSE.put(b, a);
  }
}
