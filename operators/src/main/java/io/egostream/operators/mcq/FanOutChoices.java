package io.egostream.operators.mcq;

import io.egostream.operators.records.EmbeddedQuery;
import io.egostream.operators.records.QueryRecord;
import java.util.Objects;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * One {@link ChoiceRequest} per choice of an MCQ query, for the clip builder of the choice's device (the job keys
 * them by {@link ChoiceRequest#deviceId}); other kinds of query yield nothing. Choices with no device or an empty
 * range yield nothing either: {@link McqGather} marks them missing itself, as soon as it has the query. Every request
 * expires when its query gives up waiting ({@link McqSettings#giveUpAtMs}), so the clip builder never holds one for a
 * query already answered.
 */
public class FanOutChoices implements FlatMapFunction<EmbeddedQuery, ChoiceRequest> {
  private static final long serialVersionUID = 1L;

  private final McqSettings settings;

  public FanOutChoices(McqSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  @Override
  public void flatMap(EmbeddedQuery embedded, Collector<ChoiceRequest> out) {
    QueryRecord query = embedded.query;
    if (query == null || !QueryRecord.MCQ.equals(query.kind) || !McqGather.hasWellFormedChoices(query)) {
      return; // not an MCQ, or one McqGather answers with ERROR at once: no clips to build
    }
    long expiresAtMs = settings.giveUpAtMs(query);
    for (int i = 0; i < query.choiceDevices.length; i++) {
      if (ChoiceRequest.isValidRange(query.choiceDevices[i], query.choiceStartsMs[i], query.choiceEndsMs[i])) {
        out.collect(new ChoiceRequest(query.queryId, i, query.choiceDevices[i], query.choiceStartsMs[i],
            query.choiceEndsMs[i], embedded.modelId, expiresAtMs));
      }
    }
  }
}
