package io.egostream.simulate;

import com.google.protobuf.ByteString;
import io.egostream.model.RgbFrame;
import io.egostream.operators.records.Jpeg;
import io.egostream.proto.v1.Frame;
import io.egostream.proto.v1.FrameBatch;

/**
 * Collects one device's frames, JPEG-encoded, into {@link FrameBatch} records the way a wearable publishes them: a
 * few frames a message, cut by the caller with {@link #flush()}. Shared by simulated and real ({@code ingest})
 * wearables.
 */
public final class FrameBatcher {

  private final String deviceId;
  private final String sessionId;
  private FrameBatch.Builder batch;

  public FrameBatcher(String deviceId, String sessionId) {
    this.deviceId = deviceId;
    this.sessionId = sessionId;
    this.batch = newBatch();
  }

  /** Encodes {@code frame} as JPEG and adds it to the open batch. */
  public void add(long captureTimeMs, long sequence, RgbFrame frame) {
    addEncoded(captureTimeMs, sequence, frame.width(), frame.height(), ByteString.copyFrom(Jpeg.encode(frame)));
  }

  /** Adds a frame already encoded as a {@code width}×{@code height} JPEG to the open batch. */
  public void addEncoded(long captureTimeMs, long sequence, int width, int height, ByteString jpeg) {
    batch.addFrames(Frame.newBuilder()
        .setCaptureTimeMs(captureTimeMs)
        .setSequence(sequence)
        .setWidth(width)
        .setHeight(height)
        .setJpeg(jpeg));
  }

  /** Frames added since the last flush. */
  public int size() {
    return batch.getFramesCount();
  }

  /** The frames added since the last flush as one record, and a new empty batch; null if there were none. */
  public FrameBatch flush() {
    if (batch.getFramesCount() == 0) {
      return null;
    }
    FrameBatch full = batch.build();
    batch = newBatch();
    return full;
  }

  private FrameBatch.Builder newBatch() {
    return FrameBatch.newBuilder().setDeviceId(deviceId).setSessionId(sessionId);
  }
}
