package io.egostream.simulate;

import com.google.protobuf.ByteString;
import io.egostream.kafka.EgoStreamTopics;
import io.egostream.model.RgbFrame;
import io.egostream.operators.records.Jpeg;
import io.egostream.proto.v1.ClipRange;
import io.egostream.proto.v1.Frame;
import io.egostream.proto.v1.FrameBatch;
import io.egostream.proto.v1.McqQuery;
import io.egostream.proto.v1.MomentQuery;
import io.egostream.proto.v1.Query;
import io.egostream.proto.v1.StandingQuery;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Records an outside producer could send to break the job, as Kafka keys and values (bytes), made with nothing but
 * the wire contract's protobuf builders: the storm test and {@code bench soak} send them beside a good stream.
 *
 * <p>Content is deterministic: it depends only on the seed, the order of calls and the good batches
 * {@linkplain #observe observed} so far. Kinds that spoof a good device (duplicates, sequences, clocks) copy the last
 * batch observed; kinds that make frames of their own take their capture times from it too, so that event time
 * passes them and they reach the clip builder and the model. Every query carries a unique id starting with
 * {@value #ID_PREFIX} and is keyed by it, as the contract asks, so an ERROR answer can be matched to it.
 */
public final class HostileRecords {
  /** Prefix of every hostile query id and of the device ids of the kinds that make a device of their own. */
  public static final String ID_PREFIX = "storm-";

  /** What is wrong with a record; each kind goes to one topic. */
  public enum Kind {
    /** Random bytes as a frame batch, under a random key. */
    RANDOM_FRAMES(EgoStreamTopics.FRAMES),
    /** Random bytes as a query, keyed by a fresh query id. */
    RANDOM_QUERY(EgoStreamTopics.QUERIES),
    /** A valid frame batch of a device of its own, cut inside its frame. */
    TRUNCATED_FRAMES(EgoStreamTopics.FRAMES),
    /** A valid query, cut inside its body. */
    TRUNCATED_QUERY(EgoStreamTopics.QUERIES),
    /** One frame whose JPEG field is 12 MB: a JPEG start marker, random bytes and an end marker. */
    OVERSIZED_JPEG(EgoStreamTopics.FRAMES),
    /** One batch of 20 000 tiny frames (1 ms apart) of a device of its own: more than any wearable buffers. */
    TOO_MANY_FRAMES(EgoStreamTopics.FRAMES),
    /** Four 16×16 JPEGs whose headers declare 4096×4096 (as do width and height): a few hundred bytes each. */
    BOMB_DECLARED_SIZE(EgoStreamTopics.FRAMES),
    /** Four progressive 4096×4096 JPEGs. */
    BOMB_PROGRESSIVE(EgoStreamTopics.FRAMES),
    /** Four real baseline 4096×4096 JPEGs. */
    HUGE_FRAMES(EgoStreamTopics.FRAMES),
    /** A good device's last frame again: same capture time and sequence, other pixels. */
    DUPLICATE_CAPTURE_TIME(EgoStreamTopics.FRAMES),
    /** A frame of a good device 100 ms after its last one, with that frame's sequence number (not increasing). */
    NON_INCREASING_SEQUENCE(EgoStreamTopics.FRAMES),
    /** Four frames of a good device, two hours after its last one. */
    FUTURE_CAPTURE_TIME(EgoStreamTopics.FRAMES),
    /** Four frames of a good device, 30 minutes before its last one (older than any retention). */
    PAST_CAPTURE_TIME(EgoStreamTopics.FRAMES),
    /** A frame batch whose device_id (and key) is 3 MB long, with valid frames. */
    HUGE_DEVICE_ID(EgoStreamTopics.FRAMES),
    /** Moment, standing or MCQ text that is empty. */
    EMPTY_TEXT(EgoStreamTopics.QUERIES),
    /** Moment or standing text U+0001 (a control character): not blank, but no token is left after tokenisation. */
    CONTROL_CHARACTER_TEXT(EgoStreamTopics.QUERIES),
    /** A moment query whose text is 1 MB. */
    OVERSIZED_TEXT(EgoStreamTopics.QUERIES),
    /**
     * A query whose query_id (and key) is 7 MB, so that the record fits the topic's 16 MiB but anything echoing the
     * id twice does not; every other one also has an empty text.
     */
    HUGE_QUERY_ID(EgoStreamTopics.QUERIES),
    /** Reversed ranges (moment and MCQ) and an MCQ choice spanning ten years. */
    BAD_RANGE(EgoStreamTopics.QUERIES),
    /** An otherwise valid MCQ whose timeout_ms is {@code Long.MAX_VALUE} or ten years. */
    ABSURD_TIMEOUT(EgoStreamTopics.QUERIES),
    /** A moment or standing query naming 5 000 devices. */
    THOUSANDS_OF_DEVICES(EgoStreamTopics.QUERIES),
    /** A standing query with threshold −1: it would fire on every clip. */
    THRESHOLD_FLOOR(EgoStreamTopics.QUERIES),
    /** One of many standing queries with the same text, each valid on its own. */
    STANDING_FLOOD(EgoStreamTopics.QUERIES);

    /** The topic its records go to. */
    public final String topic;

    Kind(String topic) {
      this.topic = topic;
    }
  }

  /**
   * One hostile record.
   *
   * @param queryId the query's id for a record of the queries topic that has one (its key), else null
   */
  public record Hostile(Kind kind, String topic, byte[] key, byte[] value, String queryId) {}

  private static final int BIG_SIDE = 4096;
  private static final long TWO_HOURS_MS = 2 * 3_600_000L;
  private static final long THIRTY_MINUTES_MS = 30 * 60_000L;
  private static final long TEN_YEARS_MS = 3_652L * 24 * 3_600_000L;

  private final Random random;
  private final Map<Kind, Integer> made = new HashMap<>();
  private FrameBatch lastGood;
  private byte[] progressive;
  private byte[] baseline;

  public HostileRecords(long seed) {
    this.random = new Random(seed);
  }

  /** Remembers a good batch just sent: the device and times that spoofing kinds copy. */
  public void observe(FrameBatch goodBatch) {
    if (goodBatch.getFramesCount() > 0) {
      lastGood = goodBatch;
    }
  }

  /** The next record of {@code kind}. Kinds that spoof or follow a good device need a batch observed first. */
  public Hostile next(Kind kind) {
    int n = made.merge(kind, 1, Integer::sum) - 1;
    String id = String.format(Locale.ROOT, "%s%s-%d", ID_PREFIX, kind.name().toLowerCase(Locale.ROOT), n);
    return switch (kind) {
      case RANDOM_FRAMES -> frames(kind, randomBytes(1 + random.nextInt(16)), randomBytes(1 + random.nextInt(2000)));
      case RANDOM_QUERY -> query(kind, id, randomBytes(1 + random.nextInt(2000)));
      case TRUNCATED_FRAMES -> {
        FrameBatch batch = ownBatch(id, 1, 64, 48, n);
        byte[] whole = batch.toByteArray();
        // Cut inside the last field (the frame, length-delimited): no cut there leaves a message that parses.
        int frameBytes = batch.getFrames(0).getSerializedSize();
        yield frames(kind, batch.getDeviceId(), Arrays.copyOf(whole, whole.length - 1 - random.nextInt(frameBytes)));
      }
      case TRUNCATED_QUERY -> {
        byte[] whole = moment(id, "#C C opens the drawer").build().toByteArray();
        yield query(kind, id, Arrays.copyOf(whole, whole.length - 1 - random.nextInt(10)));
      }
      case OVERSIZED_JPEG -> {
        byte[] jpeg = randomBytes(12 * 1024 * 1024);
        jpeg[0] = (byte) 0xFF;
        jpeg[1] = (byte) 0xD8;
        jpeg[jpeg.length - 2] = (byte) 0xFF;
        jpeg[jpeg.length - 1] = (byte) 0xD9;
        yield batch(kind, id, new byte[][] {jpeg}, 640, 480, 1);
      }
      case TOO_MANY_FRAMES -> {
        byte[] tiny = Jpeg.encode(noise(16, 16));
        byte[][] jpegs = new byte[20_000][];
        Arrays.fill(jpegs, tiny);
        yield batch(kind, id, jpegs, 16, 16, 1);
      }
      case BOMB_DECLARED_SIZE -> batch(kind, id, four(declaring(Jpeg.encode(noise(16, 16)), BIG_SIDE)),
          BIG_SIDE, BIG_SIDE, 250);
      case BOMB_PROGRESSIVE -> batch(kind, id, four(progressive()), BIG_SIDE, BIG_SIDE, 250);
      case HUGE_FRAMES -> batch(kind, id, four(baseline()), BIG_SIDE, BIG_SIDE, 250);
      case DUPLICATE_CAPTURE_TIME -> {
        Frame last = last();
        yield spoof(kind, last.getCaptureTimeMs(), last.getSequence(), 1, last);
      }
      case NON_INCREASING_SEQUENCE -> {
        Frame last = last();
        // Capture time after the last frame and before the next on a 4 fps or slower grid; sequence not increasing.
        yield spoof(kind, last.getCaptureTimeMs() + 100, last.getSequence(), 1, last);
      }
      case FUTURE_CAPTURE_TIME -> {
        Frame last = last();
        yield spoof(kind, last.getCaptureTimeMs() + TWO_HOURS_MS, last.getSequence() + 1_000_000, 4, last);
      }
      case PAST_CAPTURE_TIME -> {
        Frame last = last();
        yield spoof(kind, last.getCaptureTimeMs() - THIRTY_MINUTES_MS, last.getSequence() + 2_000_000, 4, last);
      }
      case HUGE_DEVICE_ID -> {
        FrameBatch batch = ownBatch(id + "-" + "d".repeat(3 * 1024 * 1024), 4, 64, 48, n);
        yield frames(kind, batch.getDeviceId(), batch.toByteArray());
      }
      case EMPTY_TEXT -> query(kind, id, switch (n % 3) {
        case 0 -> moment(id, "");
        case 1 -> standing(id, "", 0.5f);
        default -> mcq(id, "", 0);
      });
      case CONTROL_CHARACTER_TEXT -> query(kind, id, n % 2 == 0 ? moment(id, "\u0001") : standing(id, "\u0001", 0.5f));
      case OVERSIZED_TEXT -> query(kind, id, moment(id, "#C C picks up the cup ".repeat(1024 * 1024 / 22)));
      case HUGE_QUERY_ID -> {
        String huge = id + "-" + "q".repeat(7 * 1024 * 1024);
        yield query(kind, huge, moment(huge, n % 2 == 0 ? "#C C picks up the cup" : ""));
      }
      case BAD_RANGE -> query(kind, id, switch (n % 3) {
        case 0 -> Query.newBuilder().setQueryId(id).setMoment(MomentQuery.newBuilder().setText("#C C opens the box")
            .setFromMs(goodTime()).setToMs(goodTime() - 60_000));
        case 1 -> mcq(id, "#C C opens the box", 0, goodTime(), goodTime() - 4_000);
        default -> mcq(id, "#C C opens the box", 0, goodTime() - TEN_YEARS_MS, goodTime());
      });
      case ABSURD_TIMEOUT -> query(kind, id,
          mcq(id, "#C C opens the box", n % 2 == 0 ? Long.MAX_VALUE : TEN_YEARS_MS));
      case THOUSANDS_OF_DEVICES -> {
        StandingQuery.Builder standing = StandingQuery.newBuilder().setText("#C C opens the box").setThreshold(0.99f);
        MomentQuery.Builder moment = MomentQuery.newBuilder().setText("#C C opens the box").setTopK(3);
        for (int d = 0; d < 5_000; d++) {
          String device = String.format(Locale.ROOT, "%sdevice-%d", ID_PREFIX, d);
          standing.addDeviceIds(device);
          moment.addDeviceIds(device);
        }
        yield query(kind, id, n % 2 == 0 ? Query.newBuilder().setQueryId(id).setMoment(moment)
            : Query.newBuilder().setQueryId(id).setStanding(standing));
      }
      case THRESHOLD_FLOOR -> query(kind, id, standing(id, "#C C looks around", -1f));
      case STANDING_FLOOD -> query(kind, id, standing(id, "#C C holds the cup", 0.99f));
    };
  }

  private Hostile frames(Kind kind, String key, byte[] value) {
    return new Hostile(kind, kind.topic, key.getBytes(StandardCharsets.UTF_8), value, null);
  }

  private Hostile frames(Kind kind, byte[] key, byte[] value) {
    return new Hostile(kind, kind.topic, key, value, null);
  }

  private static Hostile query(Kind kind, String id, byte[] value) {
    return new Hostile(kind, kind.topic, id.getBytes(StandardCharsets.UTF_8), value, id);
  }

  private static Hostile query(Kind kind, String id, Query.Builder query) {
    return query(kind, id, query.build().toByteArray());
  }

  /** A batch of a device of its own ({@code id}), frames {@code stepMs} apart from the last good capture time. */
  private Hostile batch(Kind kind, String id, byte[][] jpegs, int width, int height, long stepMs) {
    return frames(kind, id, frameBatch(id, id + "-session", jpegs, width, height, stepMs).toByteArray());
  }

  /** A valid batch of {@code frames} noise frames of device {@code deviceId}, 250 ms apart from the good time. */
  private FrameBatch ownBatch(String deviceId, int frames, int width, int height, int n) {
    byte[][] jpegs = new byte[frames][];
    for (int i = 0; i < frames; i++) {
      jpegs[i] = Jpeg.encode(noise(width, height));
    }
    return frameBatch(deviceId, "session-" + n, jpegs, width, height, 250);
  }

  /** Frames with these JPEGs, sequence 0 on, {@code stepMs} apart from the last good capture time. */
  private FrameBatch frameBatch(String deviceId, String sessionId, byte[][] jpegs, int width, int height,
      long stepMs) {
    FrameBatch.Builder batch = FrameBatch.newBuilder().setDeviceId(deviceId).setSessionId(sessionId);
    long first = goodTime();
    for (int i = 0; i < jpegs.length; i++) {
      batch.addFrames(Frame.newBuilder().setCaptureTimeMs(first + i * stepMs).setSequence(i).setWidth(width)
          .setHeight(height).setJpeg(ByteString.copyFrom(jpegs[i])));
    }
    return batch.build();
  }

  /** {@code count} frames of the last good batch's device, 250 ms apart from {@code captureTimeMs}, noise pixels. */
  private Hostile spoof(Kind kind, long captureTimeMs, long sequence, int count, Frame like) {
    FrameBatch.Builder batch = FrameBatch.newBuilder().setDeviceId(lastGood.getDeviceId())
        .setSessionId(lastGood.getSessionId());
    for (int i = 0; i < count; i++) {
      batch.addFrames(Frame.newBuilder().setCaptureTimeMs(captureTimeMs + 250L * i).setSequence(sequence + i)
          .setWidth(like.getWidth()).setHeight(like.getHeight())
          .setJpeg(ByteString.copyFrom(Jpeg.encode(noise(like.getWidth(), like.getHeight())))));
    }
    return frames(kind, lastGood.getDeviceId(), batch.build().toByteArray());
  }

  private Frame last() {
    if (lastGood == null) {
      throw new IllegalStateException("No good batch observed yet: observe one before asking for a spoof");
    }
    return lastGood.getFrames(lastGood.getFramesCount() - 1);
  }

  /** The last good capture time: frames of hostile devices sit beside the good stream in event time. */
  private long goodTime() {
    return last().getCaptureTimeMs();
  }

  private Query.Builder mcq(String id, String narration, long timeoutMs) {
    long t = goodTime();
    return mcq(id, narration, timeoutMs, t - 8_000, t - 4_000);
  }

  /** An MCQ on the last good device; choice 0 spans [from, to), the others are four ordinary seconds-long ranges. */
  private Query.Builder mcq(String id, String narration, long timeoutMs, long from, long to) {
    String device = lastGood.getDeviceId();
    McqQuery.Builder mcq = McqQuery.newBuilder().setNarration(narration).setTimeoutMs(timeoutMs)
        .addChoices(ClipRange.newBuilder().setDeviceId(device).setStartMs(from).setEndMs(to));
    long t = goodTime();
    for (int i = 1; i < 5; i++) {
      mcq.addChoices(ClipRange.newBuilder().setDeviceId(device).setStartMs(t - 8_000 + 500L * i)
          .setEndMs(t - 4_000 + 500L * i));
    }
    return Query.newBuilder().setQueryId(id).setMcq(mcq);
  }

  private static Query.Builder moment(String id, String text) {
    return Query.newBuilder().setQueryId(id).setMoment(MomentQuery.newBuilder().setText(text).setTopK(3));
  }

  private static Query.Builder standing(String id, String text, float threshold) {
    return Query.newBuilder().setQueryId(id)
        .setStanding(StandingQuery.newBuilder().setText(text).setThreshold(threshold));
  }

  private byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  private RgbFrame noise(int width, int height) {
    return new RgbFrame(width, height, randomBytes(width * height * 3));
  }

  private static byte[][] four(byte[] jpeg) {
    return new byte[][] {jpeg, jpeg, jpeg, jpeg};
  }

  /** {@code jpeg} with its start-of-frame header changed to declare {@code side}×{@code side} pixels. */
  private static byte[] declaring(byte[] jpeg, int side) {
    byte[] out = jpeg.clone();
    for (int i = 2; i + 8 < out.length; i++) {
      if ((out[i] & 0xFF) == 0xFF && ((out[i + 1] & 0xFF) == 0xC0 || (out[i + 1] & 0xFF) == 0xC2)) {
        // FF C0, length (2), precision (1), height (2), width (2).
        out[i + 5] = (byte) (side >> 8);
        out[i + 6] = (byte) side;
        out[i + 7] = (byte) (side >> 8);
        out[i + 8] = (byte) side;
        return out;
      }
    }
    throw new IllegalStateException("No start-of-frame marker in the JPEG ImageIO wrote");
  }

  /** A 4096² progressive JPEG of a gradient, made once. */
  private byte[] progressive() {
    if (progressive == null) {
      progressive = write(gradient(BIG_SIDE), true);
    }
    return progressive;
  }

  /** A 4096² baseline JPEG of a gradient, made once. */
  private byte[] baseline() {
    if (baseline == null) {
      baseline = write(gradient(BIG_SIDE), false);
    }
    return baseline;
  }

  private static BufferedImage gradient(int side) {
    BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        image.setRGB(x, y, (x * 255 / side) << 16 | (y * 255 / side) << 8 | ((x + y) % 256));
      }
    }
    return image;
  }

  private static byte[] write(BufferedImage image, boolean progressive) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      ImageWriteParam param = writer.getDefaultWriteParam();
      if (progressive) {
        param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
      }
      writer.write(null, new IIOImage(image, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }
}
