package io.egostream.operators.ingest;

import com.google.protobuf.InvalidProtocolBufferException;
import io.egostream.operators.query.QueryLimits;
import io.egostream.operators.records.DeadLetterRecord;
import io.egostream.operators.records.DeadLetters;
import io.egostream.operators.records.FrameRecord;
import io.egostream.operators.records.Jpeg;
import io.egostream.operators.records.RawRecord;
import io.egostream.operators.records.Reasons;
import io.egostream.operators.records.Rejected;
import io.egostream.proto.v1.Frame;
import io.egostream.proto.v1.FrameBatch;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Turns each record of topic ego.frames (a {@code FrameBatch}) into one {@link FrameRecord} per frame, checking
 * every rule of the wire contract on the way. A record that breaks one goes whole to {@link #DEAD_LETTERS}, byte for
 * byte, with the first broken rule as its reason ("frame 2: …" when a frame is at fault). This function never
 * throws for a bad record: nothing a producer sends can fail the job.
 *
 * <p>All or nothing per record, because a record is the unit the dead-letter topic keeps and replays: if the good
 * frames of a bad batch went on, replaying the fixed record would feed them twice, and the dead-letter topic would
 * no longer say exactly which input the job did not use. The cost is a few seconds of one device's frames, which the
 * clip builder then reports as a gap.
 *
 * <p>Capture times are checked against the processing-time clock ({@code DecodeSettings}): event time itself cannot
 * say that a frame from 1970 or from next week is wrong.
 *
 * <p>Sizes are checked before anything is allocated for them, so no record can exhaust the TaskManager's memory: the
 * frame count first, then each JPEG's byte length, then the size its header declares (a few bytes can declare a
 * 60000×60000 image), then its number of scans (each a pass over the image); only a frame within all limits is
 * decoded. A limit's reason names its option key.
 *
 * <p>Metrics: {@code framesDecoded}, {@code deadLetters}.
 */
public class DecodeFrames extends ProcessFunction<RawRecord, FrameRecord> {

  /** Records that could not be used, with why; the job writes them to ego.deadletter. */
  public static final OutputTag<DeadLetterRecord> DEAD_LETTERS =
      new OutputTag<>("dead-letters", TypeInformation.of(DeadLetterRecord.class));

  private static final long SECOND_MS = 1000;
  private static final long MINUTE_MS = 60 * SECOND_MS;
  private static final long HOUR_MS = 60 * MINUTE_MS;
  private static final long DAY_MS = 24 * HOUR_MS;

  private final DecodeSettings settings;

  private final DeadLetters deadLetters = new DeadLetters(DEAD_LETTERS);

  private transient Counter framesDecoded;
  /** Null until the first frame, and after a failure. */
  private transient ImageReader jpegReader;

  public DecodeFrames(DecodeSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  @Override
  public void open(OpenContext openContext) {
    framesDecoded = getRuntimeContext().getMetricGroup().counter("framesDecoded");
    deadLetters.open(getRuntimeContext().getMetricGroup());
  }

  @Override
  public void close() {
    if (jpegReader != null) {
      jpegReader.dispose();
      jpegReader = null;
    }
  }

  @Override
  public void processElement(RawRecord record, Context ctx, Collector<FrameRecord> out) {
    long now = ctx.timerService().currentProcessingTime();
    List<FrameRecord> frames;
    try {
      frames = decode(record, now);
    } catch (Rejected e) {
      deadLetters.reject(record, e.getMessage(), now, ctx);
      return;
    } catch (RuntimeException e) {
      // A library failing on input nobody foresaw must not fail the job either; the record is kept for a look.
      deadLetters.reject(record, "unexpected error decoding the record: " + e, now, ctx);
      return;
    }
    // Emitted only once the whole record passed, and outside the try: a failure downstream is never taken for a
    // bad record.
    for (FrameRecord frame : frames) {
      out.collect(frame);
    }
    framesDecoded.inc(frames.size());
  }

  private List<FrameRecord> decode(RawRecord record, long now) throws Rejected {
    if (record.value == null) {
      throw new Rejected("tombstone: the record has no value (expected a FrameBatch)");
    }
    if (record.value.length == 0) {
      throw new Rejected("empty value: 0 bytes (expected a FrameBatch)");
    }
    FrameBatch batch;
    try {
      batch = FrameBatch.parseFrom(record.value);
    } catch (InvalidProtocolBufferException e) {
      throw new Rejected("malformed FrameBatch protobuf: " + e.getMessage());
    }
    String deviceId = batch.getDeviceId();
    if (deviceId.isEmpty()) {
      throw new Rejected("missing device_id");
    }
    if (batch.getSessionId().isEmpty()) {
      throw new Rejected("missing session_id");
    }
    // Before the key comparison, which would quote them: ids live on in several operators' state and every answer.
    int deviceIdBytes = batch.getDeviceIdBytes().size();
    if (deviceIdBytes > settings.maxIdBytes()) {
      throw new Rejected("device_id is " + deviceIdBytes + " bytes, more than "
          + QueryLimits.DEVICE_ID_MAX_BYTES.key() + " (" + settings.maxIdBytes() + ")");
    }
    int sessionIdBytes = batch.getSessionIdBytes().size();
    if (sessionIdBytes > settings.maxIdBytes()) {
      throw new Rejected("session_id is " + sessionIdBytes + " bytes, more than "
          + QueryLimits.DEVICE_ID_MAX_BYTES.key() + " (" + settings.maxIdBytes() + "), which bounds session ids too");
    }
    if (record.key == null) {
      throw new Rejected("missing record key: it must equal device_id " + Reasons.quote(deviceId));
    }
    // Byte comparison: the key is UTF-8 by contract, and a key that is not valid UTF-8 must not match by accident.
    if (!Arrays.equals(record.key, deviceId.getBytes(StandardCharsets.UTF_8))) {
      throw new Rejected("record key " + Reasons.quote(new String(record.key, StandardCharsets.UTF_8))
          + " does not equal device_id " + Reasons.quote(deviceId));
    }
    if (batch.getFramesCount() == 0) {
      throw new Rejected("no frames");
    }
    if (batch.getFramesCount() > settings.maxFramesPerRecord()) {
      throw new Rejected(batch.getFramesCount() + " frames, over " + DecodeSettings.MAX_FRAMES_PER_RECORD.key() + " ("
          + settings.maxFramesPerRecord() + "): send them in several records");
    }
    List<FrameRecord> frames = new ArrayList<>(batch.getFramesCount());
    for (int i = 0; i < batch.getFramesCount(); i++) {
      Frame frame = batch.getFrames(i);
      checkTimes(i, frame, i == 0 ? null : batch.getFrames(i - 1), now);
      byte[] jpeg = frame.getJpeg().toByteArray();
      checkImage(i, frame, jpeg);
      FrameRecord out = new FrameRecord(deviceId, batch.getSessionId(), frame.getCaptureTimeMs(),
          frame.getSequence(), frame.getWidth(), frame.getHeight(), jpeg, record.ingestTimeMs);
      out.sourceTopic = record.topic;
      out.sourcePartition = record.partition;
      out.sourceOffset = record.offset;
      frames.add(out);
    }
    return frames;
  }

  private void checkTimes(int i, Frame frame, Frame previous, long now) throws Rejected {
    long captureTime = frame.getCaptureTimeMs();
    if (captureTime <= 0) {
      throw new Rejected("frame " + i + ": capture_time_ms " + captureTime + " is not positive");
    }
    if (captureTime > now + settings.maxFutureSkewMs()) {
      throw new Rejected("frame " + i + ": capture_time_ms " + captureTime + " is more than "
          + duration(settings.maxFutureSkewMs()) + " (" + DecodeSettings.MAX_FUTURE_SKEW_MS.key()
          + ") ahead of the job's clock (" + now + ")"
          + (settings.plausible(captureTime / 1000, now) ? "; microseconds instead of milliseconds?" : ""));
    }
    if (captureTime < now - settings.maxAgeMs()) {
      throw new Rejected("frame " + i + ": capture_time_ms " + captureTime + " is more than "
          + duration(settings.maxAgeMs()) + " (" + DecodeSettings.MAX_AGE_MS.key() + ") behind the job's clock ("
          + now + ")"
          + (settings.plausible(captureTime * 1000, now) ? "; seconds instead of milliseconds?" : ""));
    }
    if (previous != null) {
      if (frame.getSequence() <= previous.getSequence()) {
        throw new Rejected("frame " + i + ": sequence " + frame.getSequence() + " does not increase (frame "
            + (i - 1) + " has " + previous.getSequence() + ")");
      }
      if (captureTime <= previous.getCaptureTimeMs()) {
        throw new Rejected("frame " + i + ": capture_time_ms " + captureTime + " is not after frame " + (i - 1)
            + "'s (" + previous.getCaptureTimeMs() + "); frames must be in capture order");
      }
    }
  }

  private void checkImage(int i, Frame frame, byte[] jpeg) throws Rejected {
    int width = frame.getWidth();
    int height = frame.getHeight();
    if (width <= 0 || height <= 0) {
      throw new Rejected("frame " + i + ": width/height " + width + "x" + height + " out of range (both must be "
          + "positive)");
    }
    if ((long) width * height > settings.maxFramePixels()) {
      throw new Rejected("frame " + i + ": width/height " + width + "x" + height + " is " + (long) width * height
          + " pixels, over " + DecodeSettings.MAX_FRAME_PIXELS.key() + " (" + settings.maxFramePixels() + ")");
    }
    if (jpeg.length == 0) {
      throw new Rejected("frame " + i + ": missing jpeg");
    }
    if (jpeg.length > settings.maxJpegBytes()) {
      throw new Rejected("frame " + i + ": JPEG of " + jpeg.length + " bytes, over "
          + DecodeSettings.MAX_JPEG_BYTES.key() + " (" + settings.maxJpegBytes() + ")");
    }
    ImageReader reader = jpegReader();
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(jpeg))) {
      reader.setInput(in, true, true);
      // The header next: its size decides how much memory decoding takes, so it must be the declared (checked) one.
      checkSize(i, width, height, reader.getWidth(0), reader.getHeight(0));
      // ImageIO decodes a cut-off JPEG without an error (the missing rows come out grey), so look for the end.
      if (jpeg.length < 2 || (jpeg[jpeg.length - 2] & 0xFF) != 0xFF || (jpeg[jpeg.length - 1] & 0xFF) != 0xD9) {
        throw new Rejected("frame " + i + ": JPEG is truncated (it does not end with the end-of-image marker FF D9)");
      }
      int scans = scans(jpeg);
      if (scans > settings.maxJpegScans()) {
        throw new Rejected("frame " + i + ": JPEG has " + scans + " scans, over "
            + DecodeSettings.MAX_JPEG_SCANS.key() + " (" + settings.maxJpegScans() + ")");
      }
      // Every scan decoded, without the colour conversion (half the cost of decoding a small frame).
      Raster raster = reader.readRaster(0, null);
      checkSize(i, width, height, raster.getWidth(), raster.getHeight());
      if (raster.getNumBands() != 1 && raster.getNumBands() != 3) {
        // Neither greyscale nor YCbCr: whether it converts to RGB is for the model's own decoder to say.
        try {
          Jpeg.decode(jpeg);
        } catch (IOException e) {
          throw new Rejected("frame " + i + ": " + e.getMessage());
        }
      }
    } catch (IOException | RuntimeException e) {
      // A reader that failed in the middle of an image is not trusted with the next one.
      jpegReader.dispose();
      jpegReader = null;
      throw new Rejected("frame " + i + ": JPEG does not decode: " + e.getMessage());
    }
  }

  /** This instance's JPEG reader: one for all frames, as finding and setting up a reader costs more than a header. */
  private ImageReader jpegReader() {
    if (jpegReader == null) {
      jpegReader = ImageIO.getImageReadersByFormatName("jpeg").next();
    }
    return jpegReader;
  }

  private static void checkSize(int i, int width, int height, int jpegWidth, int jpegHeight) throws Rejected {
    if (width != jpegWidth || height != jpegHeight) {
      throw new Rejected("frame " + i + ": width/height " + width + "x" + height + " do not match the JPEG's "
          + jpegWidth + "x" + jpegHeight);
    }
  }

  /**
   * How many scans (SOS segments) the JPEG has, found by walking its marker segments without decoding; stops at the
   * first byte that is not where a marker should be (the decoder then reports what is wrong).
   */
  private static int scans(byte[] jpeg) {
    int scans = 0;
    int i = 2; // after SOI
    while (i + 1 < jpeg.length && (jpeg[i] & 0xFF) == 0xFF) {
      int marker = jpeg[i + 1] & 0xFF;
      if (marker == 0xFF) { // fill byte
        i++;
        continue;
      }
      if (marker == 0xD9) { // EOI
        break;
      }
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { // no length: TEM, RSTn
        i += 2;
        continue;
      }
      if (i + 3 >= jpeg.length) {
        break;
      }
      i += 2 + ((jpeg[i + 2] & 0xFF) << 8 | (jpeg[i + 3] & 0xFF));
      if (marker == 0xDA) { // SOS: entropy-coded data follows, up to the next marker (FF 00 is a stuffed FF)
        scans++;
        while (i + 1 < jpeg.length && !isMarker(jpeg[i], jpeg[i + 1])) {
          i++;
        }
      }
    }
    return scans;
  }

  /** Whether two bytes inside entropy-coded data start a marker: FF, then neither a stuffed 00 nor a restart. */
  private static boolean isMarker(byte first, byte second) {
    int next = second & 0xFF;
    return (first & 0xFF) == 0xFF && next != 0x00 && !(next >= 0xD0 && next <= 0xD7);
  }

  /** "1 day", "7 days", "90 minutes", "1500 ms": durations in reasons, for people. */
  private static String duration(long ms) {
    long[] units = {DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS};
    String[] names = {"day", "hour", "minute", "second"};
    for (int u = 0; u < units.length; u++) {
      if (ms >= units[u] && ms % units[u] == 0) {
        long count = ms / units[u];
        return count + " " + names[u] + (count == 1 ? "" : "s");
      }
    }
    return ms + " ms";
  }
}
