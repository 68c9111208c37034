package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egostream.cli.CommandRun;
import io.egostream.data.EgoNlqJson;
import io.egostream.data.NlqQuery;
import io.egostream.eval.NlqResults;
import io.egostream.kafka.EgoStreamTopics;
import io.egostream.kafka.EmbeddedKafka;
import io.egostream.proto.v1.Answer;
import io.egostream.proto.v1.MomentQuery;
import io.egostream.proto.v1.Query;
import io.egostream.simulate.VideoFrameSource;
import io.egostream.simulate.WearableSimulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live job held to {@code eval-nlq}'s numbers (issue #23): held-out recordings (gen-data, a seed the shipped
 * model never saw) replayed through the running job, one wearable each, every NLQ query sent as a moment query
 * restricted to its wearable and its recording's time range, the answers' moments scored by {@code eval-nlq}'s
 * scorer ({@link NlqResults}) and compared with {@code eval-nlq --method refined} on the same queries.
 *
 * <p>They agree within {@link #TOLERANCE_POINTS} on every recall: the two paths differ in what they embed (the job's
 * frames went through JPEG, and its clips are sampled from the frames it buffered; {@code eval-nlq}'s from the
 * decoded video), and the job's grid also has the partial windows at a recording's two ends (a window overlapping
 * the query's range is searched), which {@code eval-nlq}'s windows of the clip do not.
 */
class NlqLiveAgreementTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Recall points (percent) the live figures may differ from eval-nlq's; see the class comment. */
  private static final double TOLERANCE_POINTS = 15;

  @TempDir Path dir;

  @Test
  void liveRefinedMomentsScoreAsEvalNlqRefinedOnHeldOutRecordings() throws Exception {
    Path data = dir.resolve("data");
    CommandRun gen = new CommandRun();
    // -Dnlq.live.recordings=N (and nlq.live.actions) for a larger run than the test's own.
    assertEquals(0, gen.run("gen-data", "--out", data.toString(), "--recordings",
        System.getProperty("nlq.live.recordings", "3"), "--actions", System.getProperty("nlq.live.actions", "6"),
        "--seed", "83", "--split-fractions", "0,0,1"), gen.err());
    Path nlq = data.resolve("nlq_test.json");
    List<NlqQuery> queries = EgoNlqJson.read(nlq).items();
    assertTrue(queries.size() >= 6, "queries: " + queries.size());

    CommandRun eval = new CommandRun();
    Path predictions = dir.resolve("predictions.json");
    assertEquals(0, eval.run("eval-nlq", "--nlq", nlq.toString(), "--videos", data.resolve("videos").toString(),
        "--method", "refined", "--json", "--predictions", predictions.toString()), eval.err());
    JsonNode offline = JSON.readTree(eval.out().strip());
    Map<String, double[]> offlineFirst = new HashMap<>();
    for (JsonNode r : JSON.readTree(predictions.toFile()).get("results")) {
      JsonNode first = r.get("predicted_times").get(0);
      offlineFirst.put(r.get("clip_uid").asText() + "/" + r.get("annotation_uid").asText() + "/"
          + r.get("query_idx").asInt(), new double[] {first.get(0).asDouble(), first.get(1).asDouble()});
    }
    assertEquals(queries.size(), offline.get("count").asInt(), offline.toString());

    NlqResults live = live(queries, data.resolve("videos"));
    assertEquals(queries.size(), live.all().count());
    StringBuilder table = new StringBuilder("recall     eval-nlq  live\n");
    for (NlqResults.Recall r : NlqResults.Recall.values()) {
      table.append(String.format(Locale.ROOT, "%-10s %8.1f %5.1f%n", r.key(),
          offline.get("recall").get(r.key()).asDouble(), live.all().recall(r)));
    }
    table.append(String.format(Locale.ROOT, "mean_iou   %8.1f %5.1f%n", offline.get("mean_iou").asDouble(),
        100 * live.all().meanIou()));
    // Query by query: how often the two first moments are the same moment (IoU > 0.5 with each other).
    long sameFirst = live.scoredQueries().stream().filter(q -> !q.predictions().isEmpty()
        && iou(q.predictions().get(0), offlineFirst.get(q.query().key())) > 0.5).count();
    table.append(String.format(Locale.ROOT, "first moments the same (IoU > 0.5 with each other): %d of %d%n",
        sameFirst, queries.size()));
    table.append(String.format(Locale.ROOT, "refinement clips per query: eval-nlq %.2f, live %.2f%n",
        offline.get("refine_clips_per_query").asDouble(), live.refineClipsPerQuery()));
    System.out.println("NLQ agreement on " + queries.size() + " queries\n" + table);
    for (NlqResults.Recall r : NlqResults.Recall.values()) {
      double difference = Math.abs(offline.get("recall").get(r.key()).asDouble() - live.all().recall(r));
      assertTrue(difference <= TOLERANCE_POINTS, r.key() + " differs by " + difference + " points:\n" + table);
    }
  }

  private static double iou(double[] a, double[] b) {
    return io.egostream.operators.moments.TimeRange.iou(a[0], a[1], b[0], b[1]);
  }

  /** The queries asked of a running job that was fed the recordings, scored. */
  private NlqResults live(List<NlqQuery> queries, Path videos) throws Exception {
    Map<String, NlqQuery> clips = new LinkedHashMap<>();
    queries.forEach(q -> clips.putIfAbsent(q.clipUid(), q));
    // On the 2 s grid, so the job's windows fall where eval-nlq's do (4 s every 2 s from the clip's start).
    long start = (System.currentTimeMillis() - 10 * 60_000L) / 2_000 * 2_000;
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null);
        KafkaProducer<byte[], byte[]> producer = TestKafka.producer(kafka)) {
      kafka.createEgoStreamTopics(2);
      Configuration conf = new Configuration();
      conf.set(EgoStreamOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      conf.set(EgoStreamOptions.CHECKPOINT_INTERVAL_MS, 1_000L);
      conf.set(EgoStreamOptions.FRAME_RETENTION_MS, 3_600_000L); // the queries come after the whole replay
      conf.set(EgoStreamOptions.REFINE_TIMEOUT_MS, 300_000L); // every query at once: ranges queue for the model
      JobClient job = TestKafka.startJob(conf, false, "egostream-nlq-live-test");
      try {
        Map<String, String> deviceOf = new HashMap<>();
        int d = 0;
        for (NlqQuery clip : clips.values()) {
          String device = String.format(Locale.ROOT, "recording-%02d", d++);
          deviceOf.put(clip.clipUid(), device);
          try (VideoFrameSource source = new VideoFrameSource(videos.resolve(clip.clipUid() + ".mp4"), 120)) {
            new WearableSimulator(List.of(source), "s", start, Math.round(clip.clipSeconds() * 1000), 8, 4)
                .run(false, (ignored, batch) -> TestKafka.send(producer, EgoStreamTopics.FRAMES, device,
                    batch.toBuilder().setDeviceId(device).setSessionId(device + "-s").build().toByteArray()));
          }
        }
        awaitClipsSettled(kafka);
        for (int i = 0; i < queries.size(); i++) {
          NlqQuery q = queries.get(i);
          long end = start + Math.round(q.clipSeconds() * 1000);
          Query query = Query.newBuilder().setQueryId("nlq-" + i).setSentTimeMs(System.currentTimeMillis())
              .setMoment(MomentQuery.newBuilder().setText(q.query()).addDeviceIds(deviceOf.get(q.clipUid()))
                  .setFromMs(start).setToMs(end).setTopK(5)).build();
          TestKafka.send(producer, EgoStreamTopics.QUERIES, query.getQueryId(), query.toByteArray());
        }
        Map<String, Answer> answers = awaitAnswers(kafka, queries.size(), Duration.ofMinutes(20));
        NlqResults results = new NlqResults();
        for (int i = 0; i < queries.size(); i++) {
          Answer a = answers.get("nlq-" + i);
          assertEquals(Answer.Status.OK, a.getStatus(), a.toString());
          List<double[]> predictions = new ArrayList<>();
          int refineClips = 0;
          for (var m : a.getMomentsList()) {
            predictions.add(new double[] {(m.getStartMs() - start) / 1000.0, (m.getEndMs() - start) / 1000.0});
            refineClips += m.getRefineRanges();
          }
          results.scored(new NlqResults.Scored(queries.get(i), predictions, refineClips));
        }
        return results;
      } finally {
        job.cancel().get();
      }
    }
  }

  /** Waits until the job has embedded every recording's clips (the count stops growing after the idle timeout). */
  private static void awaitClipsSettled(EmbeddedKafka kafka) throws Exception {
    int last = -1;
    long deadline = System.currentTimeMillis() + 300_000;
    while (true) {
      int now = TestKafka.readCommitted(kafka, EgoStreamTopics.EMBEDDINGS, Duration.ofSeconds(1)).size();
      if (now > 0 && now == last) {
        return;
      }
      assertTrue(System.currentTimeMillis() < deadline, "clips still coming: " + now);
      last = now;
      Thread.sleep(10_000);
    }
  }

  private static Map<String, Answer> awaitAnswers(EmbeddedKafka kafka, int count, Duration timeout)
      throws Exception {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (true) {
      Map<String, Answer> byId = new HashMap<>();
      for (var r : TestKafka.readCommitted(kafka, EgoStreamTopics.ANSWERS, Duration.ofMillis(500))) {
        Answer a = Answer.parseFrom(r.value());
        byId.putIfAbsent(a.getQueryId(), a);
      }
      if (byId.size() >= count) {
        return byId;
      }
      assertTrue(System.currentTimeMillis() < deadline, "answers so far: " + byId.size() + " of " + count);
      Thread.sleep(2_000);
    }
  }
}
