package io.egostream.operators.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.egostream.operators.records.DeadLetterRecord;
import io.egostream.operators.records.FrameRecord;
import io.egostream.operators.records.RawRecord;
import io.egostream.proto.v1.Frame;
import io.egostream.proto.v1.FrameBatch;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DecodeFramesTest {
  /** The job's processing-time clock during these tests. */
  private static final long NOW = 1_700_000_000_000L;
  private static final long DAY = 24 * 60 * 60 * 1000L;
  private static final long MINUTE = 60 * 1000L;
  private static final String DEVICE = "glasses-1";
  private static final byte[] KEY = DEVICE.getBytes(StandardCharsets.UTF_8);
  private static final byte[] JPEG = TestSupport.jpeg(8, 6);

  private TestSupport.Metrics metrics;
  private MockEnvironment environment;
  private OneInputStreamOperatorTestHarness<RawRecord, FrameRecord> harness;

  @BeforeEach
  void openHarness() throws Exception {
    openHarness(DecodeSettings.from(new Configuration()));
  }

  private void openHarness(DecodeSettings settings) throws Exception {
    metrics = new TestSupport.Metrics();
    environment = metrics.environment();
    harness = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(new DecodeFrames(settings)), environment);
    harness.open();
    harness.setProcessingTime(NOW);
  }

  /** Closes the default harness and opens one with {@code settings}. */
  private void reopenWith(DecodeSettings settings) throws Exception {
    closeHarness();
    openHarness(settings);
  }

  @AfterEach
  void closeHarness() throws Exception {
    harness.close();
    environment.close();
  }

  @Test
  void aGoodBatchBecomesOneFrameRecordPerFrame() throws Exception {
    byte[] bigger = TestSupport.jpeg(16, 12);
    RawRecord record = record(KEY, batch(frame(-2_000, 7, JPEG, 8, 6), frame(-1_900, 8, bigger, 16, 12),
        frame(-1_800, 10, JPEG, 8, 6)).toByteArray());
    harness.processElement(new StreamRecord<>(record));

    List<FrameRecord> frames = harness.extractOutputValues();
    assertEquals(3, frames.size());
    FrameRecord second = frames.get(1);
    assertEquals(DEVICE, second.deviceId);
    assertEquals("session-1", second.sessionId);
    assertEquals(NOW - 1_900, second.captureTimeMs);
    assertEquals(8, second.sequence);
    assertEquals(16, second.width);
    assertEquals(12, second.height);
    assertArrayEquals(bigger, second.jpeg);
    assertEquals(record.ingestTimeMs, second.ingestTimeMs);
    assertEquals(List.of(NOW - 2_000, NOW - 1_900, NOW - 1_800),
        frames.stream().map(f -> f.captureTimeMs).collect(Collectors.toList()));
    assertEquals(List.of(), takeDeadLetters());
    assertEquals(3, metrics.count("framesDecoded"));
    assertEquals(0, metrics.count("deadLetters"));
  }

  @Test
  void recordsThatAreNotAFrameBatchAreDeadLettered() throws Exception {
    assertRejected("tombstone: the record has no value (expected a FrameBatch)", record(KEY, null));
    assertRejected("empty value: 0 bytes (expected a FrameBatch)", record(KEY, new byte[0]));
    // Field 1 (device_id) announces 5 bytes, 1 follows.
    String malformed = rejected(record(KEY, new byte[] {0x0A, 0x05, 'g'})).reason;
    assertTrue(malformed.startsWith("malformed FrameBatch protobuf: "), malformed);
    assertEquals(3, metrics.count("deadLetters"));
  }

  @Test
  void batchFieldsAreChecked() throws Exception {
    Frame good = frame(0, 1, JPEG, 8, 6);
    assertRejected("missing device_id", record(KEY, batch(good).toBuilder().clearDeviceId().build().toByteArray()));
    assertRejected("missing session_id", record(KEY, batch(good).toBuilder().clearSessionId().build().toByteArray()));
    assertRejected("missing record key: it must equal device_id \"glasses-1\"",
        record(null, batch(good).toByteArray()));
    assertRejected("record key \"glasses-2\" does not equal device_id \"glasses-1\"",
        record("glasses-2".getBytes(StandardCharsets.UTF_8), batch(good).toByteArray()));
    assertRejected("no frames", record(KEY, batch().toByteArray()));
  }

  @Test
  void imagesAreChecked() throws Exception {
    Frame good = frame(0, 1, JPEG, 8, 6);
    String notJpeg = rejected(record(KEY, batch(good, frame(10, 2, "not a jpeg".getBytes(StandardCharsets.UTF_8),
        8, 6)).toByteArray())).reason;
    assertTrue(notJpeg.startsWith("frame 1: JPEG does not decode: "), notJpeg);
    assertRejected("frame 0: missing jpeg", batchRecord(frame(0, 1, new byte[0], 8, 6)));
    assertRejected("frame 0: JPEG is truncated (it does not end with the end-of-image marker FF D9)",
        batchRecord(frame(0, 1, Arrays.copyOf(JPEG, JPEG.length - 2), 8, 6)));
    assertRejected("frame 0: width/height 16x12 do not match the JPEG's 8x6", batchRecord(frame(0, 1, JPEG, 16, 12)));
    assertRejected("frame 0: width/height 0x0 out of range (both must be positive)",
        batchRecord(frame(0, 1, JPEG, 0, 0)));
  }

  @Test
  void jpegsOfOneThreeOrFourComponentsAreAcceptedAndOthersRefused() throws Exception {
    harness.processElement(new StreamRecord<>(batchRecord(frame(-2, 1, jpegOf(1, 16, 12), 16, 12),
        frame(-1, 2, jpegOf(3, 16, 12), 16, 12), frame(0, 3, jpegOf(4, 16, 12), 16, 12))));
    assertEquals(3, harness.extractOutputValues().size());
    assertEquals(List.of(), takeDeadLetters());
    harness.getOutput().clear();
    assertRejected("frame 0: JPEG does not decode: Unsupported Image Type",
        record(KEY, batch(frame(10, 4, jpegOf(2, 16, 12), 16, 12)).toByteArray()));
  }

  @Test
  void aJpegClaimingAHugeSizeIsRejectedBeforeDecoding() throws Exception {
    byte[] bomb = withHeaderSize(JPEG, 30_000, 30_000);
    assertRejected("frame 0: width/height 8x6 do not match the JPEG's 30000x30000",
        batchRecord(frame(0, 1, bomb, 8, 6)));
    assertRejected("frame 0: width/height 30000x30000 is 900000000 pixels, over frames.max-pixels (2073600)",
        batchRecord(frame(0, 1, bomb, 30_000, 30_000)));
  }

  @Test
  void aProgressiveJpegDeclaringAHugeSizeIsRejectedFromItsHeader() throws Exception {
    byte[] progressive = TestSupport.progressiveJpeg(64, 48);
    byte[] bomb = withHeaderSize(progressive, 30_000, 30_000);
    assertRejected("frame 0: width/height 64x48 do not match the JPEG's 30000x30000",
        batchRecord(frame(0, 1, bomb, 64, 48)));
  }

  @Test
  void aProgressiveJpegWithinTheLimitsIsDecodedAndAccepted() throws Exception {
    byte[] progressive = TestSupport.progressiveJpeg(1920, 1080);
    harness.processElement(new StreamRecord<>(batchRecord(frame(0, 1, progressive, 1920, 1080))));
    assertEquals(1, harness.extractOutputValues().size());
    assertEquals(List.of(), takeDeadLetters());
  }

  @Test
  void aProgressiveJpegOfTooManyScansIsRefusedBeforeDecoding() throws Exception {
    byte[] progressive = TestSupport.progressiveJpeg(64, 48);
    int lastScan = lastIndexOf(progressive, 0xDA);
    int end = progressive.length - 2; // EOI
    byte[] scan = Arrays.copyOfRange(progressive, lastScan - 1, end);
    // 70 more copies of the last scan: a valid-looking header, and far more passes over the image than any encoder
    // writes.
    ByteArrayOutputStream bomb = new ByteArrayOutputStream();
    bomb.write(progressive, 0, end);
    for (int copy = 0; copy < 70; copy++) {
      bomb.write(scan);
    }
    bomb.write(new byte[] {(byte) 0xFF, (byte) 0xD9});
    int written = markers(progressive, 0xDA); // ImageIO's writer: no thumbnail, so every FF DA starts a scan
    assertTrue(written > 1 && written <= 64, "a progressive JPEG within the limit: " + written + " scans");
    assertRejected("frame 0: JPEG has " + (written + 70) + " scans, over frames.max-jpeg-scans (64)",
        batchRecord(frame(0, 1, bomb.toByteArray(), 64, 48)));

    // The same JPEG as written (several scans, all within the limit) and a baseline one pass.
    harness.processElement(new StreamRecord<>(batchRecord(frame(-100, 1, progressive, 64, 48),
        frame(0, 2, TestSupport.jpeg(64, 48), 64, 48))));
    assertEquals(2, harness.extractOutputValues().size());
  }

  @Test
  void a4096SquareFrameIsRefusedBeforeDecodingWhateverItDeclares() throws Exception {
    byte[] huge = TestSupport.progressiveJpeg(4096, 4096);
    assertRejected("frame 0: width/height 4096x4096 is 16777216 pixels, over frames.max-pixels (2073600)",
        batchRecord(frame(0, 1, huge, 4096, 4096)));
    assertRejected("frame 0: width/height 1920x1080 do not match the JPEG's 4096x4096",
        batchRecord(frame(0, 1, huge, 1920, 1080)));
    byte[] baseline = TestSupport.jpeg(4096, 4096);
    assertRejected("frame 0: width/height 4096x4096 is 16777216 pixels, over frames.max-pixels (2073600)",
        batchRecord(frame(0, 1, baseline, 4096, 4096)));
    assertEquals(0, metrics.count("framesDecoded"));
  }

  @Test
  void jpegBytesAndFramesPerRecordAreLimited() throws Exception {
    reopenWith(new DecodeSettings(10 * MINUTE, DAY, 1920 * 1080, JPEG.length, 64, 2, 128));
    byte[] bigger = TestSupport.jpeg(16, 12);
    assertRejected("frame 1: JPEG of " + bigger.length + " bytes, over frames.max-jpeg-bytes (" + JPEG.length + ")",
        batchRecord(frame(-100, 1, JPEG, 8, 6), frame(0, 2, bigger, 16, 12)));
    assertRejected("3 frames, over frames.max-per-record (2): send them in several records",
        batchRecord(frame(-200, 1, JPEG, 8, 6), frame(-100, 2, JPEG, 8, 6), frame(0, 3, JPEG, 8, 6)));
    // At the limits: accepted.
    harness.processElement(new StreamRecord<>(batchRecord(frame(-100, 1, JPEG, 8, 6), frame(0, 2, JPEG, 8, 6))));
    assertEquals(2, harness.extractOutputValues().size());
  }

  /** A device's ids end up in the state of several operators and in every answer: a megabyte id must not. */
  @Test
  void deviceAndSessionIdsAreLimitedInBytes() throws Exception {
    String longId = "d".repeat(129);
    FrameBatch longDevice = batch(frame(0, 1, JPEG, 8, 6)).toBuilder().setDeviceId(longId).build();
    assertRejected("device_id is 129 bytes, more than limits.device-id.max-bytes (128)",
        record(longId.getBytes(StandardCharsets.UTF_8), longDevice.toByteArray()));
    FrameBatch longSession = batch(frame(0, 1, JPEG, 8, 6)).toBuilder().setSessionId("s".repeat(200)).build();
    assertRejected("session_id is 200 bytes, more than limits.device-id.max-bytes (128), which bounds session ids too",
        record(KEY, longSession.toByteArray()));
    String atTheLimit = "é".repeat(64); // 128 bytes in UTF-8
    FrameBatch ok = batch(frame(0, 1, JPEG, 8, 6)).toBuilder().setDeviceId(atTheLimit).build();
    harness.processElement(new StreamRecord<>(record(atTheLimit.getBytes(StandardCharsets.UTF_8), ok.toByteArray())));
    assertEquals(1, harness.extractOutputValues().size());
  }

  @Test
  void captureTimesAreChecked() throws Exception {
    assertRejected("frame 0: capture_time_ms 0 is not positive", batchRecord(frameAt(0, 1)));
    assertRejected("frame 0: capture_time_ms " + (NOW + 10 * MINUTE + 1) + " is more than 10 minutes "
        + "(frames.max-future-skew.ms) ahead of the job's clock (" + NOW + ")",
        batchRecord(frameAt(NOW + 10 * MINUTE + 1, 1)));
    // Two hours ahead: a clip stamped so far ahead would be refused by the broker (1 h in Kafka 4).
    assertTrue(rejected(batchRecord(frameAt(NOW + 120 * MINUTE, 1))).reason.contains("frames.max-future-skew.ms"));
    assertRejected("frame 0: capture_time_ms " + NOW * 1000 + " is more than 10 minutes (frames.max-future-skew.ms) "
        + "ahead of the job's clock (" + NOW + "); microseconds instead of milliseconds?",
        batchRecord(frameAt(NOW * 1000, 1)));
    assertRejected("frame 0: capture_time_ms " + (NOW - 7 * DAY - 1) + " is more than 7 days (frames.max-age.ms) "
        + "behind the job's clock (" + NOW + ")", batchRecord(frameAt(NOW - 7 * DAY - 1, 1)));
    assertRejected("frame 0: capture_time_ms 1700000000 is more than 7 days (frames.max-age.ms) behind the job's "
        + "clock (" + NOW + "); seconds instead of milliseconds?", batchRecord(frameAt(NOW / 1000, 1)));
    // At the limits: accepted.
    harness.processElement(new StreamRecord<>(batchRecord(frameAt(NOW - 7 * DAY, 1), frameAt(NOW + 10 * MINUTE, 2))));
    assertEquals(2, harness.extractOutputValues().size());
  }

  @Test
  void framesMustBeInOrder() throws Exception {
    assertRejected("frame 1: sequence 5 does not increase (frame 0 has 5)",
        batchRecord(frameAt(NOW - 100, 5), frameAt(NOW - 50, 5)));
    assertRejected("frame 2: capture_time_ms " + (NOW - 100) + " is not after frame 1's (" + (NOW - 100)
        + "); frames must be in capture order",
        batchRecord(frameAt(NOW - 200, 1), frameAt(NOW - 100, 2), frameAt(NOW - 100, 3)));
  }

  @Test
  void oneBadFrameDeadLettersTheWholeRecordByteForByte() throws Exception {
    RawRecord record = batchRecord(frame(-100, 1, JPEG, 8, 6), frame(-50, 2, JPEG, 16, 12), frame(0, 3, JPEG, 8, 6));
    DeadLetterRecord dead = rejected(record);
    assertEquals("frame 1: width/height 16x12 do not match the JPEG's 8x6", dead.reason);
    assertEquals(0, metrics.count("framesDecoded"));
  }

  @Test
  void neverThrowsWhateverTheBytes() throws Exception {
    Random random = new Random(7);
    byte[] good = batch(frame(-100, 1, JPEG, 8, 6), frame(0, 2, JPEG, 8, 6)).toByteArray();
    int deadLetters = 0;
    for (int i = 0; i < 400; i++) {
      byte[] value;
      if (i % 2 == 0) {
        value = new byte[random.nextInt(64)];
        random.nextBytes(value);
      } else { // a valid batch with a few bytes changed: gets past the first checks more often
        value = good.clone();
        for (int changes = 1 + random.nextInt(3); changes > 0; changes--) {
          value[random.nextInt(value.length)] ^= (byte) (1 + random.nextInt(255));
        }
      }
      harness.processElement(new StreamRecord<>(record(KEY, value)));
      int frames = harness.extractOutputValues().size();
      int dead = takeDeadLetters().size();
      assertTrue(frames > 0 && dead == 0 || frames == 0 && dead == 1, "frames or one dead letter, for record " + i);
      deadLetters += dead;
      harness.getOutput().clear();
    }
    assertTrue(deadLetters > 0);
    assertEquals(deadLetters, metrics.count("deadLetters"));
  }

  @Test
  void settingsAreValidatedAndErrorsNameTheOptionKey() {
    assertEquals("Invalid value -1 for frames.max-future-skew.ms: must not be negative (0 accepts no capture time "
        + "ahead of the job's clock)",
        message(() -> new DecodeSettings(-1, DAY, 100, 100, 1, 1, 1)));
    assertEquals("Invalid value 0 for frames.max-age.ms: must be positive (e.g. 604800000 for 7 days)",
        message(() -> new DecodeSettings(DAY, 0, 100, 100, 1, 1, 1)));
    assertEquals("Invalid value 0 for frames.max-pixels: must be positive (e.g. 2073600 for 1080p)",
        message(() -> new DecodeSettings(DAY, DAY, 0, 100, 1, 1, 1)));
    assertEquals("Invalid value 0 for frames.max-jpeg-bytes: must be positive (e.g. 4194304 for 4 MiB)",
        message(() -> new DecodeSettings(DAY, DAY, 100, 0, 1, 1, 1)));
    assertEquals("Invalid value 0 for frames.max-jpeg-scans: must be at least 1 (1 accepts baseline JPEGs only)",
        message(() -> new DecodeSettings(DAY, DAY, 100, 100, 0, 1, 1)));
    assertEquals("Invalid value 0 for frames.max-per-record: must be at least 1",
        message(() -> new DecodeSettings(DAY, DAY, 100, 100, 1, 0, 1)));
    assertEquals("Invalid value 0 for limits.device-id.max-bytes: must be at least 1",
        message(() -> new DecodeSettings(DAY, DAY, 100, 100, 1, 1, 0)));
  }

  private static String message(Runnable construct) {
    return assertThrows(IllegalArgumentException.class, construct::run).getMessage();
  }

  // ---------------------------------------------------------------------------------------------------------------

  private void assertRejected(String reason, RawRecord record) throws Exception {
    assertEquals(reason, rejected(record).reason);
  }

  /** Processes a record that must be rejected: no frames out, one dead letter carrying the record as it came. */
  private DeadLetterRecord rejected(RawRecord record) throws Exception {
    harness.processElement(new StreamRecord<>(record));
    assertEquals(List.of(), harness.extractOutputValues(), "no frame of a rejected record goes on");
    List<DeadLetterRecord> dead = takeDeadLetters();
    assertEquals(1, dead.size());
    DeadLetterRecord letter = dead.get(0);
    assertEquals("ego.frames", letter.sourceTopic);
    assertEquals(3, letter.sourcePartition);
    assertEquals(42, letter.sourceOffset);
    assertArrayEquals(record.key, letter.originalKey);
    assertArrayEquals(record.value, letter.originalValue);
    assertEquals(NOW, letter.timeMs);
    return letter;
  }

  /** Takes the dead letters emitted so far out of the harness. */
  private List<DeadLetterRecord> takeDeadLetters() {
    ConcurrentLinkedQueue<StreamRecord<DeadLetterRecord>> queue = harness.getSideOutput(DecodeFrames.DEAD_LETTERS);
    if (queue == null) {
      return List.of();
    }
    List<DeadLetterRecord> taken = queue.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    queue.clear();
    return taken;
  }

  private static RawRecord record(byte[] key, byte[] value) {
    return new RawRecord("ego.frames", 3, 42, NOW - 5, key, value, NOW - 1);
  }

  private static RawRecord batchRecord(Frame... frames) {
    return record(KEY, batch(frames).toByteArray());
  }

  private static FrameBatch batch(Frame... frames) {
    return FrameBatch.newBuilder().setDeviceId(DEVICE).setSessionId("session-1").addAllFrames(List.of(frames))
        .build();
  }

  /** A frame captured {@code offsetMs} after the clock (before, when negative). */
  private static Frame frame(long offsetMs, long sequence, byte[] jpeg, int width, int height) {
    return Frame.newBuilder().setCaptureTimeMs(NOW + offsetMs).setSequence(sequence).setJpeg(ByteString.copyFrom(jpeg))
        .setWidth(width).setHeight(height).build();
  }

  /** A good frame at an absolute capture time. */
  private static Frame frameAt(long captureTimeMs, long sequence) {
    return frame(captureTimeMs - NOW, sequence, JPEG, 8, 6);
  }

  /** How many times marker FF {@code code} occurs. */
  private static int markers(byte[] jpeg, int code) {
    int count = 0;
    for (int i = 0; i + 1 < jpeg.length; i++) {
      if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == code) {
        count++;
      }
    }
    return count;
  }

  /** Index of the last marker FF {@code code}. */
  private static int lastIndexOf(byte[] jpeg, int code) {
    for (int i = jpeg.length - 2; i >= 0; i--) {
      if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == code) {
        return i + 1;
      }
    }
    throw new AssertionError("no marker FF " + Integer.toHexString(code));
  }

  /** A baseline JPEG of a {@code bands}-component raster of a gradient, as ImageIO's writer encodes it. */
  private static byte[] jpegOf(int bands, int width, int height) throws IOException {
    WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, width, height, bands, null);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        for (int b = 0; b < bands; b++) {
          raster.setSample(x, y, b, (x * 13 + y * 7 + b * 50) & 0xFF);
        }
      }
    }
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
      writer.setOutput(stream);
      writer.write(null, new IIOImage(raster, null, null), null);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  /** The JPEG with its frame header (SOF0 or SOF2) claiming another size; the image data is left as it is. */
  private static byte[] withHeaderSize(byte[] jpeg, int width, int height) {
    byte[] patched = jpeg.clone();
    for (int i = 0; i + 8 < patched.length; i++) {
      if ((patched[i] & 0xFF) == 0xFF && ((patched[i + 1] & 0xFF) == 0xC0 || (patched[i + 1] & 0xFF) == 0xC2)) {
        // FF C0 (baseline) or FF C2 (progressive), length (2), precision (1), height (2), width (2)
        patched[i + 5] = (byte) (height >> 8);
        patched[i + 6] = (byte) height;
        patched[i + 7] = (byte) (width >> 8);
        patched[i + 8] = (byte) width;
        return patched;
      }
    }
    throw new AssertionError("no SOF0 or SOF2 marker");
  }
}
