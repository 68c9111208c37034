package io.egostream.operators.records;

/** A query whose text the model has embedded (cancels carry no text and no vector). A Flink POJO. */
public class EmbeddedQuery {
  public QueryRecord query;
  /** L2-normalised text embedding; null for a cancel. */
  public float[] textEmbedding;
  /** True when the text had more tokens than the model reads and its tail was cut. */
  public boolean truncated;
  /**
   * The model that embedded the text (null for a cancel): only clip embeddings of the same model are comparable with
   * it, which matters after a model change, when stored clips of the old model are still in the clip store.
   */
  public String modelId;

  public EmbeddedQuery() {}

  public EmbeddedQuery(QueryRecord query, float[] textEmbedding, boolean truncated) {
    this.query = query;
    this.textEmbedding = textEmbedding;
    this.truncated = truncated;
  }

  public EmbeddedQuery(QueryRecord query, float[] textEmbedding, boolean truncated, String modelId) {
    this(query, textEmbedding, truncated);
    this.modelId = modelId;
  }
}
