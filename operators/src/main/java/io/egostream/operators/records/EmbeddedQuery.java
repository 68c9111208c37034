package io.egostream.operators.records;

/** A query whose text the model has embedded (cancels carry no text and no vector). A Flink POJO. */
public class EmbeddedQuery {
  public QueryRecord query;
  /** L2-normalised text embedding; null for a cancel. */
  public float[] textEmbedding;
  /** True when the text had more tokens than the model reads and its tail was cut. */
  public boolean truncated;

  public EmbeddedQuery() {}

  public EmbeddedQuery(QueryRecord query, float[] textEmbedding, boolean truncated) {
    this.query = query;
    this.textEmbedding = textEmbedding;
    this.truncated = truncated;
  }
}
