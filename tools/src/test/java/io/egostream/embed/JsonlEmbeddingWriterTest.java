package io.egostream.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.egostream.model.ClipEmbedding;
import io.egostream.video.ClipWindow;
import java.io.IOException;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class JsonlEmbeddingWriterTest {

  @Test
  void writesTheContractedFieldNamesOneObjectPerLine() throws IOException {
    StringWriter text = new StringWriter();
    try (JsonlEmbeddingWriter writer = new JsonlEmbeddingWriter(text)) {
      writer.accept(new ClipWindow(2, 6), new ClipEmbedding(new float[] {0.25f, -1f}, new int[][] {{0, 1, 2}, {1}}));
      writer.accept(new ClipWindow(4, 8), new ClipEmbedding(new float[] {0.5f, 0.1f}, new int[][] {{0, 1, 2}, {2}}));
      assertEquals(2, writer.lines());
    }
    assertEquals("{\"start\":2.0,\"end\":6.0,\"embedding\":[0.25,-1.0],\"kept_tokens_per_stage\":[3,1]}\n"
        + "{\"start\":4.0,\"end\":8.0,\"embedding\":[0.5,0.1],\"kept_tokens_per_stage\":[3,1]}\n", text.toString());
  }

  @Test
  void refusesNonFiniteEmbeddings() {
    JsonlEmbeddingWriter writer = new JsonlEmbeddingWriter(new StringWriter());
    assertThrows(IllegalStateException.class, () -> writer.accept(
        new ClipWindow(0, 4), new ClipEmbedding(new float[] {Float.NaN}, new int[][] {{0}})));
  }
}
