package io.egostream.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@code gen-data} dataset into a folder:
 *
 * <pre>
 *   videos/&lt;video_uid&gt;.mp4          one video per recording
 *   egoclip_{train,val,test}.csv     one EgoClip row per narrated action (tab-separated, see {@link EgoClipCsv})
 *   egomcq_{val,test}.json           EgoMCQ questions over the held-out recordings (see {@link McqGenerator})
 *   nlq_{val,test}.json              Ego4D NLQ queries over the held-out recordings (see {@link EgoNlqJson})
 *   gen-data.json                    the settings and counts, to reproduce and to check the dataset
 * </pre>
 */
public final class SyntheticDatasetWriter {

  /** Called after each video; {@code done} of {@code total}. */
  public interface Progress {
    void videoWritten(int done, int total);
  }

  /**
   * What was written.
   *
   * @param clips EgoClip rows per split
   * @param questions EgoMCQ questions per held-out split, by type
   * @param recordings recordings per split
   * @param nlqQueries NLQ queries per held-out split
   */
  public record Summary(Map<Split, Integer> recordings, Map<Split, Integer> clips,
      Map<Split, Map<McqType, Integer>> questions, Map<Split, Integer> nlqQueries) {}

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SyntheticDatasetWriter() {}

  public static Summary write(GenDataSettings settings, Path out, Progress progress) throws IOException {
    List<SyntheticRecording> recordings = SyntheticDataset.plan(settings);
    Path videos = Files.createDirectories(out.resolve("videos"));
    RecordingVideoWriter writer = new RecordingVideoWriter(settings.width(), settings.height(), settings.fps());
    for (int i = 0; i < recordings.size(); i++) {
      SyntheticRecording r = recordings.get(i);
      writer.write(r.recording(), videos.resolve(r.videoUid() + ".mp4"));
      progress.videoWritten(i + 1, recordings.size());
    }
    Map<Split, Integer> recordingCounts = new EnumMap<>(Split.class);
    Map<Split, Integer> clipCounts = new EnumMap<>(Split.class);
    Map<Split, Map<McqType, Integer>> questionCounts = new EnumMap<>(Split.class);
    Map<Split, Integer> nlqCounts = new EnumMap<>(Split.class);
    for (Split split : Split.values()) {
      List<SyntheticRecording> inSplit = recordings.stream().filter(r -> r.split() == split).toList();
      List<NarratedClip> clips = new ArrayList<>();
      inSplit.forEach(r -> clips.addAll(r.clips()));
      EgoClipCsv.write(out.resolve("egoclip_" + split.fileKey() + ".csv"), clips);
      recordingCounts.put(split, inSplit.size());
      clipCounts.put(split, clips.size());
      if (split != Split.TRAIN) {
        // Question seeds differ per split so that val and test are not built alike.
        long questionSeed = SyntheticDataset.mix(settings.seed(), 1000 + split.ordinal());
        List<McqQuestion> questions = new McqGenerator(inSplit, questionSeed).generate(settings.questionsPerSplit());
        EgoMcqJson.write(out.resolve("egomcq_" + split.fileKey() + ".json"), questions);
        Map<McqType, Integer> byType = new EnumMap<>(McqType.class);
        for (McqType t : McqType.values()) {
          byType.put(t, (int) questions.stream().filter(q -> q.type() == t).count());
        }
        questionCounts.put(split, byType);
        nlqCounts.put(split, EgoNlqJson.write(out.resolve("nlq_" + split.fileKey() + ".json"), inSplit));
      }
    }
    Summary summary = new Summary(recordingCounts, clipCounts, questionCounts, nlqCounts);
    writeManifest(settings, summary, out.resolve("gen-data.json"));
    return summary;
  }

  private static void writeManifest(GenDataSettings s, Summary summary, Path file) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode settings = root.putObject("settings");
    settings.put("recordings", s.recordings());
    settings.put("seed", s.seed());
    s.splitFractions().forEach(settings.putArray("split_fractions")::add);
    settings.put("questions_per_split", s.questionsPerSplit());
    settings.put("objects", s.objects());
    settings.put("actions", s.actionsPerRecording());
    settings.put("size", s.width() + "x" + s.height());
    settings.put("fps", s.fps());
    settings.put("codec", "mpeg4");
    for (Split split : Split.values()) {
      ObjectNode node = root.putObject(split.fileKey());
      node.put("recordings", summary.recordings().get(split));
      node.put("clips", summary.clips().get(split));
      Map<McqType, Integer> questions = summary.questions().get(split);
      if (questions != null) {
        questions.forEach((type, count) -> node.put(type.key() + "_questions", count));
        node.put("nlq_queries", summary.nlqQueries().get(split));
      }
    }
    JSON.writeValue(file.toFile(), root);
  }
}
