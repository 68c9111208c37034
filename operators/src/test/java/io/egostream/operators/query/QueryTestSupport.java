package io.egostream.operators.query;

import io.egostream.model.TestModels;
import io.egostream.operators.inference.ModelSource;
import io.egostream.operators.records.EmbeddedClip;
import io.egostream.operators.records.EmbeddedQuery;
import io.egostream.operators.records.QueryRecord;

/** A model small enough to run in milliseconds, and queries and clips with embeddings chosen by the test. */
final class QueryTestSupport {
  private QueryTestSupport() {}

  /** The model id every hand-made embedding claims; the store compares only embeddings of one model. */
  static final String MODEL_ID = "test-model";


  /** The same seed in every task and in the test, so the same weights. */
  static final ModelSource MODEL = ModelSource.initialized(TestModels.micro(), 7);

  /** A unit vector in 2-d (padded to 4) at cosine {@code cos} to {@link #TEXT}: so a clip's score is {@code cos}. */
  static float[] atCosine(double cos) {
    return new float[] {(float) cos, (float) Math.sqrt(1 - cos * cos), 0, 0};
  }

  /** The text embedding of every hand-made query. */
  static final float[] TEXT = {1, 0, 0, 0};

  static EmbeddedClip clip(String device, long startMs, double cos, long ingestTimeMs) {
    return new EmbeddedClip(device, "session-" + device, startMs, startMs + 4_000, new long[] {startMs + 1_000},
        atCosine(cos), new int[0][], MODEL_ID, ingestTimeMs);
  }

  static QueryRecord query(String id, String kind, String text) {
    QueryRecord q = new QueryRecord();
    q.queryId = id;
    q.kind = kind;
    q.text = text;
    q.deviceIds = new String[0];
    q.ingestTimeMs = 1_000;
    return q;
  }

  static EmbeddedQuery moment(String id, int topK, long fromMs, long toMs, String... devices) {
    QueryRecord q = query(id, QueryRecord.MOMENT, "find it");
    q.topK = topK;
    q.fromMs = fromMs;
    q.toMs = toMs;
    q.deviceIds = devices;
    return new EmbeddedQuery(q, TEXT, false, MODEL_ID);
  }

  static EmbeddedQuery standing(String id, float threshold, String... devices) {
    QueryRecord q = query(id, QueryRecord.STANDING, "watch for it");
    q.threshold = threshold;
    q.deviceIds = devices;
    return new EmbeddedQuery(q, TEXT, false, MODEL_ID);
  }

  static EmbeddedQuery cancel(String id) {
    return new EmbeddedQuery(query(id, QueryRecord.CANCEL, null), null, false, null);
  }
}
