package io.egostream.train;

import io.egostream.data.EgoClipCsv;
import io.egostream.data.NarratedClip;
import io.egostream.data.ReadResult;
import io.egostream.eval.ClipUnavailableException;
import io.egostream.eval.VideoFolderClipSource;
import io.egostream.model.train.TrainingData;
import io.egostream.model.train.TrainingSample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * Training samples from an EgoClip file and a folder of {@code <video_uid>.mp4} videos: each row's clip, decoded with
 * as many frames as the current curriculum stage wants, with its narration and tags. Rows whose video is missing are
 * left out when the file is read, and said so; a clip that fails to decode during training stops the run with its
 * name, since silently training on less data would hide a broken data set.
 */
public final class EgoClipTrainingData implements TrainingData, AutoCloseable {
  /** How many clips on each side of a clip in its video count as its scene-aware negatives. */
  static final int NEIGHBOURS_EACH_SIDE = 2;
  private final List<NarratedClip> clips;
  private final Path videos;
  private final int maxShortSide;
  private final Map<Integer, VideoFolderClipSource> sourcesByFrames = new HashMap<>();
  private final int[][] neighbours;

  private EgoClipTrainingData(List<NarratedClip> clips, Path videos, int maxShortSide) {
    this.clips = List.copyOf(clips);
    this.videos = videos;
    this.maxShortSide = maxShortSide;
    this.neighbours = neighbours(this.clips);
  }

  /**
   * For each clip, the {@link #NEIGHBOURS_EACH_SIDE} clips before and after it in its video (by start time): close
   * enough in time to share the scene, and on synthetic data often the same object's reverse action.
   */
  private static int[][] neighbours(List<NarratedClip> clips) {
    Map<String, List<Integer>> byVideo = new HashMap<>();
    for (int i = 0; i < clips.size(); i++) {
      byVideo.computeIfAbsent(clips.get(i).videoUid(), v -> new ArrayList<>()).add(i);
    }
    int[][] out = new int[clips.size()][];
    for (List<Integer> video : byVideo.values()) {
      video.sort(Comparator.comparingDouble((Integer i) -> clips.get(i).clipStart()).thenComparing(i -> i));
      for (int k = 0; k < video.size(); k++) {
        List<Integer> near = new ArrayList<>();
        for (int d = -NEIGHBOURS_EACH_SIDE; d <= NEIGHBOURS_EACH_SIDE; d++) {
          if (d != 0 && k + d >= 0 && k + d < video.size()) {
            near.add(video.get(k + d));
          }
        }
        out[video.get(k)] = near.stream().mapToInt(Integer::intValue).toArray();
      }
    }
    return out;
  }

  /**
   * Reads {@code egoclip} and keeps the rows whose video is in {@code videos}.
   *
   * @param report told about every row left out (malformed, or its video missing)
   */
  public static EgoClipTrainingData read(Path egoclip, Path videos, int maxShortSide,
      java.util.function.Consumer<String> report) throws IOException {
    ReadResult<NarratedClip> read = EgoClipCsv.read(egoclip);
    read.rejected().forEach(r -> report.accept(r.toString()));
    List<NarratedClip> usable = new ArrayList<>();
    HashSet<String> missing = new HashSet<>();
    for (NarratedClip clip : read.items()) {
      if (Files.isRegularFile(videos.resolve(clip.videoUid() + ".mp4"))) {
        usable.add(clip);
      } else if (missing.add(clip.videoUid())) {
        report.accept("video " + clip.videoUid() + ".mp4 is not in " + videos + ": its rows are left out");
      }
    }
    if (usable.size() < 2) {
      throw new IOException("Only " + usable.size() + " usable clips in " + egoclip + " with videos in " + videos
          + ": training needs at least a batch");
    }
    return new EgoClipTrainingData(usable, videos, maxShortSide);
  }

  @Override
  public int size() {
    return clips.size();
  }

  @Override
  public TrainingSample sample(int index, int frames) {
    NarratedClip record = clips.get(index);
    VideoFolderClipSource source =
        sourcesByFrames.computeIfAbsent(frames, n -> new VideoFolderClipSource(videos, n, maxShortSide));
    try {
      return new TrainingSample(source.load(record), record.clipText(), new HashSet<>(record.tagVerb()),
          new HashSet<>(record.tagNoun()));
    } catch (ClipUnavailableException e) {
      throw new UncheckedIOException(new IOException("Cannot train on clip " + index + " of " + record.videoUid()
          + " [" + record.clipStart() + ", " + record.clipEnd() + "] s: " + e.getMessage(), e));
    }
  }

  @Override
  public int[] neighbours(int index) {
    return neighbours[index].clone();
  }

  @Override
  public void close() {
    sourcesByFrames.values().forEach(VideoFolderClipSource::close);
  }
}
