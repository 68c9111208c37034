package io.egostream.eval;

import io.egostream.data.NarratedClip;
import io.egostream.model.Clip;
import io.egostream.video.VideoClipReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Clips from a folder of videos named by {@code video_uid} ({@code <uid>.mp4}, or another common container
 * extension), {@code frames} frames sampled uniformly in each clip's range.
 *
 * <p>Keeps the last few videos open: an intra-video question's five clips all come from one video, and questions of a
 * video tend to follow each other. A video that failed to open is remembered, so each bad file costs one attempt.
 *
 * <p>Ranges: a negative start counts from 0 (real EgoClip has a few, and EgoVLP clamps them too); an end up to
 * {@link #END_SLACK_SECONDS} past the video's end is cut to the end (containers round durations); anything further
 * outside is {@link SkipReason#CLIP_OUTSIDE_VIDEO}.
 */
public final class VideoFolderClipSource implements ClipSource, AutoCloseable {

  static final double END_SLACK_SECONDS = 0.5;
  private static final List<String> EXTENSIONS = List.of(".mp4", ".mkv", ".webm", ".mov", ".avi");
  private static final int OPEN_VIDEOS = 4;

  private final Path folder;
  private final int frames;
  private final int maxShortSide;
  private final Map<String, ClipUnavailableException> failed = new HashMap<>();
  private final LinkedHashMap<String, VideoClipReader> open = new LinkedHashMap<>(16, 0.75f, true);

  /**
   * @param maxShortSide frames are scaled down while decoding so their shorter side is at most this (the model's image
   *     size: it would resize them anyway); 0 keeps the coded size
   */
  public VideoFolderClipSource(Path folder, int frames, int maxShortSide) {
    this.folder = folder;
    this.frames = frames;
    this.maxShortSide = maxShortSide;
  }

  @Override
  public Clip load(NarratedClip record) throws ClipUnavailableException {
    VideoClipReader reader = reader(record.videoUid());
    double duration = reader.info().durationSeconds();
    double start = Math.max(0, record.clipStart());
    double end = record.clipEnd();
    if (start >= duration || end > duration + END_SLACK_SECONDS) {
      throw new ClipUnavailableException(SkipReason.CLIP_OUTSIDE_VIDEO, "clip [" + record.clipStart() + ", "
          + record.clipEnd() + "] s lies outside video " + record.videoUid() + ", which is " + duration + " s long",
          null);
    }
    try {
      return reader.clip(start, Math.min(end, duration), frames).clip();
    } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
      // The file opened but its frames do not decode: it is damaged, and so is every later clip of it.
      close(record.videoUid());
      ClipUnavailableException failure = new ClipUnavailableException(SkipReason.CORRUPT_VIDEO, "cannot decode clip ["
          + start + ", " + end + "] s of video " + record.videoUid() + ": " + e.getMessage(), e);
      failed.put(record.videoUid(), failure);
      throw failure;
    }
  }

  private VideoClipReader reader(String uid) throws ClipUnavailableException {
    if (uid.contains("/") || uid.contains("\\") || uid.equals("..")) {
      // A uid names a file inside the videos folder, never a path out of it.
      throw new ClipUnavailableException(SkipReason.MALFORMED_RECORD, "video_uid " + uid + " is not a plain file name",
          null);
    }
    ClipUnavailableException earlier = failed.get(uid);
    if (earlier != null) {
      throw earlier;
    }
    VideoClipReader reader = open.get(uid);
    if (reader != null) {
      return reader;
    }
    Path file = find(uid);
    if (file == null) {
      ClipUnavailableException missing = new ClipUnavailableException(SkipReason.MISSING_VIDEO, "video " + uid
          + " not found: expected " + folder.resolve(uid + ".mp4") + " (or .mkv, .webm, .mov, .avi); check --videos",
          null);
      failed.put(uid, missing);
      throw missing;
    }
    try {
      reader = VideoClipReader.open(file, maxShortSide);
    } catch (IOException e) {
      ClipUnavailableException corrupt = new ClipUnavailableException(SkipReason.CORRUPT_VIDEO, e.getMessage(), e);
      failed.put(uid, corrupt);
      throw corrupt;
    }
    open.put(uid, reader);
    if (open.size() > OPEN_VIDEOS) {
      Iterator<Map.Entry<String, VideoClipReader>> eldest = open.entrySet().iterator();
      eldest.next().getValue().close();
      eldest.remove();
    }
    return reader;
  }

  private Path find(String uid) {
    for (String extension : EXTENSIONS) {
      Path file = folder.resolve(uid + extension);
      if (Files.isRegularFile(file)) {
        return file;
      }
    }
    return null;
  }

  private void close(String uid) {
    VideoClipReader reader = open.remove(uid);
    if (reader != null) {
      reader.close();
    }
  }

  @Override
  public void close() {
    open.values().forEach(VideoClipReader::close);
    open.clear();
  }
}
