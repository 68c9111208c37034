package io.egostream.embed;

import io.egostream.model.Clip;
import io.egostream.model.ClipEmbedding;
import io.egostream.video.SampledClip;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Embeds a stream of clips in fixed-size batches, so at most one batch of decoded frames is in memory, and passes
 * each embedding on in clip order.
 */
public final class BatchedClipEmbedder {

  /** Told after every batch, once its embeddings are in the sink. */
  @FunctionalInterface
  public interface Progress {
    void clipsDone(long clips) throws IOException;
  }

  private final ClipEncoder encoder;
  private final int batchSize;

  public BatchedClipEmbedder(ClipEncoder encoder, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("Invalid value " + batchSize + " for batch size: must be at least 1");
    }
    this.encoder = encoder;
    this.batchSize = batchSize;
  }

  /**
   * Embeds every clip.
   *
   * @return the number of clips embedded
   * @throws IOException if the sink fails, or reading the clips fails (an UncheckedIOException from the iterator is
   *     unwrapped)
   */
  public long run(Iterator<SampledClip> clips, EmbeddedClipSink sink, Progress progress) throws IOException {
    long done = 0;
    List<SampledClip> batch = new ArrayList<>(batchSize);
    try {
      while (clips.hasNext()) {
        batch.add(clips.next());
        if (batch.size() == batchSize) {
          done += embed(batch, sink);
          progress.clipsDone(done);
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    if (!batch.isEmpty()) {
      done += embed(batch, sink);
      progress.clipsDone(done);
    }
    return done;
  }

  private int embed(List<SampledClip> batch, EmbeddedClipSink sink) throws IOException {
    List<Clip> clips = new ArrayList<>(batch.size());
    for (SampledClip sampled : batch) {
      clips.add(sampled.clip());
    }
    List<ClipEmbedding> embeddings = encoder.embedClips(clips);
    if (embeddings.size() != clips.size()) {
      throw new IllegalStateException("The model returned " + embeddings.size() + " embeddings for a batch of "
          + clips.size() + " clips; expected one per clip");
    }
    for (int i = 0; i < batch.size(); i++) {
      sink.accept(batch.get(i).window(), embeddings.get(i));
    }
    int size = batch.size();
    batch.clear();
    return size;
  }
}
