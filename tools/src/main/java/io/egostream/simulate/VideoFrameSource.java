package io.egostream.simulate;

import io.egostream.model.RgbFrame;
import io.egostream.video.VideoClipReader;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A wearable that films a video file: the frame nearest each requested time, the video looping when the simulation
 * runs longer than it. Frames are decoded at most {@code maxShortSide} pixels on their shorter side.
 */
public final class VideoFrameSource implements WearableSimulator.FrameSource, AutoCloseable {
  private final VideoClipReader reader;
  private final long lengthMs;

  public VideoFrameSource(Path video, int maxShortSide) throws IOException {
    this.reader = VideoClipReader.open(video, maxShortSide);
    this.lengthMs = (long) Math.floor(reader.info().durationSeconds() * 1000);
    if (lengthMs < 1) {
      reader.close();
      throw new IOException("Video " + video + " is shorter than a millisecond: nothing to stream");
    }
  }

  @Override
  public RgbFrame frame(long ms) throws IOException {
    double at = (ms % lengthMs) / 1000.0;
    // A one-frame clip of a 1 ms window: the decoded frame nearest to its middle.
    return reader.clip(at, at + 0.001, 1).clip().frames().get(0);
  }

  @Override
  public void close() {
    reader.close();
  }
}
