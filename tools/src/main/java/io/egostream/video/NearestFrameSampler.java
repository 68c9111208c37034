package io.egostream.video;

import io.egostream.model.Clip;
import io.egostream.model.RgbFrame;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Assigns decoded frames to clip windows in a single forward pass: each wanted frame time gets the decoded frame
 * nearest to it (the earlier one on a tie).
 *
 * <p>Only windows whose first wanted time has been reached are held open, and only the previous decoded frame is
 * kept besides their picked frames, so memory stays bounded by the window overlap whatever the video length.
 * Windows must come in start order; they complete, and are returned, in that order.
 */
final class NearestFrameSampler {

  private final Iterator<ClipWindow> upcoming;
  private final int framesPerClip;
  private final ArrayDeque<OpenClip> open = new ArrayDeque<>();
  private ClipWindow nextWindow;

  // The previous decoded frame: a candidate for wanted times between it and the current frame.
  private boolean hasPrevious;
  private double previousSeconds;
  private DecodedFrame previousDecoded;
  private RgbFrame previousFrame; // materialised lazily, at most once per decoded frame

  private int windowsPastEnd;

  NearestFrameSampler(Iterator<ClipWindow> windowsInStartOrder, int framesPerClip) {
    if (framesPerClip < 1) {
      throw new IllegalArgumentException("Invalid frames per clip " + framesPerClip + ": must be at least 1");
    }
    this.upcoming = windowsInStartOrder;
    this.framesPerClip = framesPerClip;
    this.nextWindow = upcoming.hasNext() ? upcoming.next() : null;
  }

  /** True once every window has been returned: the caller can stop decoding. */
  boolean done() {
    return open.isEmpty() && nextWindow == null;
  }

  boolean sawFrames() {
    return hasPrevious;
  }

  /** Windows dropped by {@link #finish()} because they start after the last decoded frame. */
  int windowsPastEnd() {
    return windowsPastEnd;
  }

  /** Takes the next decoded frame; returns the clips it completed. */
  List<SampledClip> offer(DecodedFrame frame) {
    double now = frame.seconds();
    if (done() || (hasPrevious && now <= previousSeconds)) {
      // A duplicate or out-of-order timestamp cannot be placed on the time line: keep the first.
      return List.of();
    }
    while (nextWindow != null && nextWindow.frameTime(0, framesPerClip) < now) {
      openNext();
    }
    RgbFrame current = null;
    for (OpenClip clip : open) {
      while (!clip.full() && clip.wantedSeconds() < now) {
        double wanted = clip.wantedSeconds();
        if (hasPrevious && wanted - previousSeconds <= now - wanted) {
          clip.add(previous(), previousSeconds);
        } else {
          if (current == null) {
            current = copyOf(frame);
          }
          clip.add(current, now);
        }
      }
    }
    List<SampledClip> completed = pollCompleted();
    if (!done()) {
      keepAsPrevious(frame, current);
    }
    return completed;
  }

  /**
   * Ends the stream: wanted times after the last decoded frame get that frame; windows that start after it (the
   * container declared a longer duration than it holds) are dropped and counted in {@link #windowsPastEnd()}.
   */
  List<SampledClip> finish() {
    if (!hasPrevious) {
      return List.of();
    }
    while (nextWindow != null) {
      if (nextWindow.startSeconds() <= previousSeconds) {
        openNext();
      } else {
        windowsPastEnd++;
        nextWindow = upcoming.hasNext() ? upcoming.next() : null;
      }
    }
    for (OpenClip clip : open) {
      while (!clip.full()) {
        clip.add(previous(), previousSeconds);
      }
    }
    return pollCompleted();
  }

  private void openNext() {
    open.addLast(new OpenClip(nextWindow, framesPerClip));
    nextWindow = upcoming.hasNext() ? upcoming.next() : null;
  }

  private List<SampledClip> pollCompleted() {
    List<SampledClip> completed = new ArrayList<>();
    while (!open.isEmpty() && open.peekFirst().full()) {
      completed.add(open.pollFirst().toSampledClip());
    }
    return completed;
  }

  private void keepAsPrevious(DecodedFrame frame, RgbFrame alreadyCopied) {
    hasPrevious = true;
    previousSeconds = frame.seconds();
    previousFrame = alreadyCopied;
    // Every decoded frame passes through here and most are never picked: keep a reference, convert when picked.
    previousDecoded = alreadyCopied == null ? frame.keep() : null;
  }

  private RgbFrame previous() {
    if (previousFrame == null) {
      previousFrame = copyOf(previousDecoded);
      previousDecoded = null;
    }
    return previousFrame;
  }

  private static RgbFrame copyOf(DecodedFrame frame) {
    byte[] pixels = new byte[frame.width() * frame.height() * 3];
    frame.copyRgbTo(pixels);
    return new RgbFrame(frame.width(), frame.height(), pixels);
  }

  /** A window still collecting frames. */
  private static final class OpenClip {
    private final ClipWindow window;
    private final RgbFrame[] frames;
    private final Double[] sourceSeconds;
    private int filled;

    OpenClip(ClipWindow window, int framesPerClip) {
      this.window = window;
      this.frames = new RgbFrame[framesPerClip];
      this.sourceSeconds = new Double[framesPerClip];
    }

    boolean full() {
      return filled == frames.length;
    }

    double wantedSeconds() {
      return window.frameTime(filled, frames.length);
    }

    void add(RgbFrame frame, double seconds) {
      frames[filled] = frame;
      sourceSeconds[filled] = seconds;
      filled++;
    }

    SampledClip toSampledClip() {
      return new SampledClip(window, new Clip(List.of(frames)), List.of(sourceSeconds));
    }
  }
}
