package io.egostream.train;

import io.egostream.data.McqQuestion;
import io.egostream.data.McqType;
import io.egostream.eval.McqEvaluator;
import io.egostream.eval.McqResults;
import io.egostream.eval.VideoFolderClipSource;
import io.egostream.model.SvittEgo;
import java.nio.file.Path;
import java.util.List;

/**
 * EgoMCQ accuracy on a fixed set of validation questions, measured on the model being trained between two steps:
 * the number that says whether a run is learning what the test split asks, long before it ends. The model is
 * evaluated as it is at that moment (its current frames and keep rate).
 */
public final class McqValidation {
  /** Clips per model call: the evaluator's default. */
  private static final int BATCH = 8;

  private final List<McqQuestion> questions;
  private final Path videos;

  /** One validation's figures: right answers per question type, and questions skipped (undecodable clips). */
  public record Result(int step, McqResults.Tally interVideo, McqResults.Tally intraVideo, int skipped,
      double seconds) {}

  public McqValidation(List<McqQuestion> questions, Path videos) {
    if (questions.isEmpty()) {
      throw new IllegalArgumentException("Invalid validation set: no questions");
    }
    this.questions = List.copyOf(questions);
    this.videos = videos;
  }

  public int size() {
    return questions.size();
  }

  /** Scores {@code model} after {@code step} steps. */
  public Result run(SvittEgo model, int step) {
    long started = System.nanoTime();
    try (VideoFolderClipSource source =
        new VideoFolderClipSource(videos, model.config().frames(), model.config().imageSize())) {
      McqResults results = new McqEvaluator(source, McqEvaluator.Embedder.of(model), BATCH, null)
          .evaluate(questions, List.of(), (done, total) -> { });
      return new Result(step, results.tally(McqType.INTER_VIDEO), results.tally(McqType.INTRA_VIDEO),
          results.skippedQuestions().size(), (System.nanoTime() - started) / 1e9);
    }
  }
}
