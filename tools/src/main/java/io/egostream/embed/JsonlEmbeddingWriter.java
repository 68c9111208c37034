package io.egostream.embed;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.egostream.model.ClipEmbedding;
import io.egostream.video.ClipWindow;
import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;

/**
 * Writes one JSON object per line and clip: {@code {"start": s, "end": e, "embedding": [...], "kept_tokens_per_stage":
 * [...]}}. The field names are a contract with downstream readers; do not rename them.
 */
public final class JsonlEmbeddingWriter implements EmbeddedClipSink, Closeable {

  /** One output line. */
  @JsonPropertyOrder({"start", "end", "embedding", "kept_tokens_per_stage"})
  record Line(
      @JsonProperty("start") double start,
      @JsonProperty("end") double end,
      @JsonProperty("embedding") float[] embedding,
      @JsonProperty("kept_tokens_per_stage") int[] keptTokensPerStage) {}

  private static final ObjectWriter JSON = new ObjectMapper().writerFor(Line.class);

  private final Writer out;
  private long lines;

  /** Takes ownership of {@code out}; it is closed with this writer. */
  public JsonlEmbeddingWriter(Writer out) {
    this.out = out;
  }

  @Override
  public void accept(ClipWindow window, ClipEmbedding embedding) throws IOException {
    float[] vector = embedding.vector();
    for (int i = 0; i < vector.length; i++) {
      if (!Float.isFinite(vector[i])) {
        // JSON has no NaN; writing one would break every reader downstream.
        throw new IllegalStateException("The model returned " + vector[i] + " at index " + i
            + " of the embedding of clip [" + window.startSeconds() + ", " + window.endSeconds() + "] s");
      }
    }
    Line line = new Line(window.startSeconds(), window.endSeconds(), vector, embedding.keptTokensPerStage());
    out.write(JSON.writeValueAsString(line));
    out.write('\n');
    lines++;
  }

  public long lines() {
    return lines;
  }

  /** Pushes what is written so far to the file, so a crash later keeps finished batches. */
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
