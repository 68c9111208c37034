package io.egostream.operators.mcq;

import io.egostream.operators.records.EmbeddedQuery;
import io.egostream.operators.records.QueryRecord;

/** Queries and embeddings for the MCQ tests. */
final class McqTestData {
  private McqTestData() {}

  /** A window start (a multiple of the 2 s stride); times in the tests are relative to it. */
  static final long T0 = 1_700_000_000_000L;
  static final String MODEL = "test-model";
  /** Embedding size of the tests' fake model. */
  static final int DIM = 64;

  /** Unit vector along axis {@code k}: two of them have cosine 1 if equal, 0 otherwise. */
  static float[] unit(int k) {
    float[] v = new float[DIM];
    v[k] = 1;
    return v;
  }

  static EmbeddedQuery query(String id, float[] narration, String[] devices, long[] starts, long[] ends,
      long ingestTimeMs) {
    QueryRecord q = new QueryRecord();
    q.queryId = id;
    q.kind = QueryRecord.MCQ;
    q.text = "#C C does thing " + id;
    q.sentTimeMs = ingestTimeMs - 5;
    q.ingestTimeMs = ingestTimeMs;
    q.choiceDevices = devices;
    q.choiceStartsMs = starts;
    q.choiceEndsMs = ends;
    return new EmbeddedQuery(q, narration, false, MODEL);
  }
}
