package io.egostream.embed;

import io.egostream.model.ClipEmbedding;
import io.egostream.video.ClipWindow;
import java.io.IOException;

/** Where embedded clips go, in video order. */
@FunctionalInterface
public interface EmbeddedClipSink {

  void accept(ClipWindow window, ClipEmbedding embedding) throws IOException;
}
