package io.egostream.operators.ingest;

import io.egostream.model.RgbFrame;
import io.egostream.operators.records.Jpeg;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;

/** Small real JPEGs, and a harness environment whose operator metrics the test can read back. */
final class TestSupport {
  private TestSupport() {}

  /** A real JPEG of the given size (a gradient, so that it is not trivially compressible). */
  static byte[] jpeg(int width, int height) {
    byte[] rgb = new byte[width * height * 3];
    for (int i = 0; i < width * height; i++) {
      rgb[i * 3] = (byte) (i * 7);
      rgb[i * 3 + 1] = (byte) (i * 13);
      rgb[i * 3 + 2] = (byte) (i * 29);
    }
    return Jpeg.encode(new RgbFrame(width, height, rgb));
  }

  /**
   * A real progressive JPEG (ImageIO's writer in progressive mode) of the given size, a gradient as {@link #jpeg}.
   * Progressive: its frame header is SOF2 (FF C2), checked here.
   */
  static byte[] progressiveJpeg(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
    for (int i = 0; i < width * height; i++) {
      bgr[i * 3] = (byte) (i * 29);
      bgr[i * 3 + 1] = (byte) (i * 13);
      bgr[i * 3 + 2] = (byte) (i * 7);
    }
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
      writer.setOutput(out);
      writer.write(null, new IIOImage(image, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    byte[] jpeg = bytes.toByteArray();
    for (int i = 0; i + 1 < jpeg.length; i++) {
      if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC2) {
        return jpeg;
      }
    }
    throw new AssertionError("ImageIO wrote no progressive (SOF2) JPEG");
  }

  /** The counters an operator registers, by name. */
  static final class Metrics {
    private final InterceptingOperatorMetricGroup operatorGroup = new InterceptingOperatorMetricGroup();

    /** A mock task environment that hands {@link #operatorGroup} to the operator under test. */
    MockEnvironment environment() {
      return new MockEnvironmentBuilder()
          .setMetricGroup(new UnregisteredMetricGroups.UnregisteredTaskMetricGroup() {
            @Override
            public InternalOperatorMetricGroup getOrAddOperator(OperatorID id, String name,
                Map<String, String> additionalVariables) {
              return operatorGroup;
            }
          })
          .build();
    }

    long count(String name) {
      Counter counter = (Counter) operatorGroup.get(name);
      if (counter == null) {
        throw new AssertionError("no counter named " + name);
      }
      return counter.getCount();
    }
  }
}
