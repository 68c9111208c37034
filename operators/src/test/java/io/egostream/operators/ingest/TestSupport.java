package io.egostream.operators.ingest;

import io.egostream.model.RgbFrame;
import io.egostream.operators.records.Jpeg;
import java.util.Map;
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
