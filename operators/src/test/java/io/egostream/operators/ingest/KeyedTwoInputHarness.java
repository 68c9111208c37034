package io.egostream.operators.ingest;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;

/**
 * Flink's {@code KeyedTwoInputStreamOperatorTestHarness}, but on a given {@link MockEnvironment}, so a test can read
 * the operator's metrics back ({@link TestSupport.Metrics}); Flink's keyed two-input harness has no constructor that
 * takes one. Same calls, same keying (state partitioner per input, key serializer), same state count.
 */
final class KeyedTwoInputHarness<K, IN1, IN2, OUT> extends AbstractStreamOperatorTestHarness<OUT> {
  private final TwoInputStreamOperator<IN1, IN2, OUT> twoInput;

  KeyedTwoInputHarness(TwoInputStreamOperator<IN1, IN2, OUT> operator, KeySelector<IN1, K> key1,
      KeySelector<IN2, K> key2, TypeInformation<K> keyType, MockEnvironment environment) throws Exception {
    super(operator, environment);
    this.twoInput = operator;
    config.setStatePartitioner(0, key1);
    config.setStatePartitioner(1, key2);
    config.setStateKeySerializer(keyType.createSerializer(executionConfig.getSerializerConfig()));
    config.serializeAllConfigs();
  }

  void processElement1(IN1 value, long timestamp) throws Exception {
    StreamRecord<IN1> record = new StreamRecord<>(value, timestamp);
    twoInput.setKeyContextElement1(record);
    twoInput.processElement1(record);
  }

  void processElement2(IN2 value, long timestamp) throws Exception {
    StreamRecord<IN2> record = new StreamRecord<>(value, timestamp);
    twoInput.setKeyContextElement2(record);
    twoInput.processElement2(record);
  }

  void processBothWatermarks(long timestamp) throws Exception {
    twoInput.processWatermark1(new Watermark(timestamp));
    twoInput.processWatermark2(new Watermark(timestamp));
  }

  int numKeyedStateEntries() {
    KeyedStateBackend<?> backend = ((AbstractStreamOperator<?>) operator).getKeyedStateBackend();
    return ((HeapKeyedStateBackend<?>) backend).numKeyValueStateEntries();
  }
}
