package io.egostream.data;

import io.egostream.world.Recording;
import java.util.List;

/**
 * A recording of the procedural world as a dataset video.
 *
 * @param videoUid its id and file name stem
 * @param split the split it belongs to
 * @param recording the world recording (renders its frames on demand)
 */
public record SyntheticRecording(String videoUid, Split split, Recording recording) {

  /** One EgoClip row per narrated action: the clip spans the action exactly, tags are the verb and noun words. */
  public List<NarratedClip> clips() {
    return recording.actions().stream().map(this::clip).toList();
  }

  public NarratedClip clip(Recording.Action a) {
    return new NarratedClip(videoUid, a.startMs() / 1000.0, a.endMs() / 1000.0, a.narration(), List.of(a.verb().tag()),
        List.of(a.noun()));
  }
}
