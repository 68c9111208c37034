package io.egostream.operators.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.egostream.operators.mcq.ChoiceRequest;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RangeRequestSerdeTest {
  private final RangeRequestSerde serde = new RangeRequestSerde();

  @Test
  void aRequestComesBackAsItWent() {
    ChoiceRequest request = new ChoiceRequest("q-1", 13, "wearable-00", 1_000, 3_500, "model-a", 99_000);
    request.forMoment = true;
    ChoiceRequest back = serde.deserialize(serde.serialize(request));
    assertEquals(describe(request), describe(back));
    ChoiceRequest noModel = new ChoiceRequest("q-2", 0, "d", -5, 5, null, 0);
    assertEquals(describe(noModel), describe(serde.deserialize(serde.serialize(noModel))));
  }

  @Test
  void bytesThatAreNotARequestAreSkippedNotFatal() {
    byte[] good = serde.serialize(new ChoiceRequest("q", 1, "d", 0, 10, "m", 0));
    assertNull(serde.deserialize(new byte[0]));
    assertNull(serde.deserialize(new byte[] {7, 1, 2}), "another version");
    assertNull(serde.deserialize(Arrays.copyOf(good, good.length - 3)), "truncated");
    assertNull(serde.deserialize(Arrays.copyOf(good, good.length + 1)), "trailing bytes");
  }

  private static List<Object> describe(ChoiceRequest r) {
    return Arrays.asList(r.queryId, r.choice, r.deviceId, r.startMs, r.endMs, r.modelId, r.expiresAtMs, r.forMoment);
  }
}
