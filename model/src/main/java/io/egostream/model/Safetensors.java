package io.egostream.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format (8-byte little-endian header length, a JSON header of name → dtype, shape, byte range,
 * then the raw little-endian data), so a folder written here opens in Python's {@code safetensors} and a converted
 * PyTorch checkpoint opens here.
 */
final class Safetensors {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final float FLOAT16_MAX = 65504f;

  private Safetensors() {}

  /** Reads every tensor of a file by name; float16 and bfloat16 are widened to float32 by the caller's load. */
  static Map<String, NDArray> read(NDManager manager, Path file) throws IOException {
    NDList list;
    try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file))) {
      list = NDList.decode(manager, in);
    } catch (IllegalArgumentException | IllegalStateException | ArithmeticException e) {
      throw new IOException("Invalid safetensors file " + file + ": " + e.getMessage(), e);
    }
    Map<String, NDArray> tensors = new LinkedHashMap<>();
    for (NDArray array : list) {
      tensors.put(array.getName(), array);
    }
    return tensors;
  }

  /** Writes float32 tensors in the order given, as float32. */
  static void write(Map<String, NDArray> tensors, Path file) throws IOException {
    write(tensors, file, DataType.FLOAT32);
  }

  /**
   * Writes float32 tensors in the order given, stored as {@code storage}: float32, or float16 (half the bytes; what a
   * shipped model uses, widened again when loaded).
   */
  static void write(Map<String, NDArray> tensors, Path file, DataType storage) throws IOException {
    if (storage != DataType.FLOAT32 && storage != DataType.FLOAT16) {
      throw new IllegalArgumentException("Cannot store weights as " + storage + ": use float32 or float16");
    }
    ObjectNode header = JSON.createObjectNode();
    header.putObject("__metadata__").put("format", "pt");
    long offset = 0;
    for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
      NDArray array = e.getValue();
      if (array.getDataType() != DataType.FLOAT32) {
        throw new IllegalArgumentException("Tensor " + e.getKey() + " is " + array.getDataType() + ", not float32");
      }
      if (storage == DataType.FLOAT16 && array.size() > 0) {
        try (NDArray abs = array.abs(); NDArray largest = abs.max()) {
          if (largest.getFloat() > FLOAT16_MAX) {
            throw new IllegalArgumentException("Cannot store tensor " + e.getKey() + " as float16: it holds "
                + largest.getFloat() + ", beyond float16's largest value " + FLOAT16_MAX + " (store it as float32)");
          }
        }
      }
      long bytes = array.getShape().size() * storage.getNumOfBytes();
      ObjectNode entry = header.putObject(e.getKey());
      entry.put("dtype", storage == DataType.FLOAT16 ? "F16" : "F32");
      var shape = entry.putArray("shape");
      for (long dim : array.getShape().getShape()) {
        shape.add(dim);
      }
      entry.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    // The header is padded with spaces to a multiple of 8 so the data that follows is aligned, as the reference
    // writer does.
    int padded = (json.length + 7) / 8 * 8;
    byte[] headerBytes = new byte[padded];
    java.util.Arrays.fill(headerBytes, (byte) ' ');
    System.arraycopy(json, 0, headerBytes, 0, json.length);
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
      out.write(headerBytes);
      for (NDArray array : tensors.values()) {
        try (NDArray stored = array.toType(storage, true)) {
          ByteBuffer data = stored.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
          byte[] chunk = new byte[data.remaining()];
          data.get(chunk);
          out.write(chunk);
        }
      }
    }
  }
}
