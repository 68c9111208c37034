package io.egostream.operators.kafka;

import io.egostream.operators.mcq.ChoiceRequest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * A moment query's refinement range request ({@link ChoiceRequest} with {@code forMoment}) on the job's internal
 * topic {@code topic.refine-requests}, which carries the requests from the refinement back to the clip builder (the
 * DataStream API has no loops). The job is the only writer and reader, so the format is its own: a version byte, then
 * the fields in order. A record it cannot read (written by something else) is skipped, never fatal.
 */
public final class RangeRequestSerde implements SerializationSchema<ChoiceRequest>,
    DeserializationSchema<ChoiceRequest> {
  private static final long serialVersionUID = 1L;
  private static final byte VERSION = 1;

  @Override
  public byte[] serialize(ChoiceRequest r) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeUTF(r.queryId);
      out.writeInt(r.choice);
      out.writeUTF(r.deviceId);
      out.writeLong(r.startMs);
      out.writeLong(r.endMs);
      out.writeBoolean(r.modelId != null);
      if (r.modelId != null) {
        out.writeUTF(r.modelId);
      }
      out.writeLong(r.expiresAtMs);
      out.writeBoolean(r.forMoment);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot happen: writing to memory", e);
    }
    return bytes.toByteArray();
  }

  /** The request, or null (the record is skipped) when the bytes are not one. */
  @Override
  public ChoiceRequest deserialize(byte[] message) {
    if (message == null) {
      return null;
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(message))) {
      if (in.readByte() != VERSION) {
        return null;
      }
      String queryId = in.readUTF();
      int choice = in.readInt();
      String deviceId = in.readUTF();
      long startMs = in.readLong();
      long endMs = in.readLong();
      String modelId = in.readBoolean() ? in.readUTF() : null;
      ChoiceRequest request = new ChoiceRequest(queryId, choice, deviceId, startMs, endMs, modelId, in.readLong());
      request.forMoment = in.readBoolean();
      return in.available() == 0 ? request : null;
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public boolean isEndOfStream(ChoiceRequest next) {
    return false;
  }

  @Override
  public TypeInformation<ChoiceRequest> getProducedType() {
    return TypeInformation.of(ChoiceRequest.class);
  }
}
