package io.egostream.cli;

import io.egostream.kafka.EgoStreamTopics;
import io.egostream.proto.v1.Answer;
import io.egostream.proto.v1.CancelQuery;
import io.egostream.proto.v1.ClipRange;
import io.egostream.proto.v1.McqQuery;
import io.egostream.proto.v1.MomentQuery;
import io.egostream.proto.v1.Query;
import io.egostream.proto.v1.StandingQuery;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code egostream query}: sends one query to a running job and prints its answer (protobuf text format), or, for a
 * standing query, every answer until {@code --timeout}.
 */
@Command(
    name = "query",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Send one query to a running job (ego.queries) and print its answer from ego.answers.",
    subcommands = {QueryCommand.Mcq.class, QueryCommand.Moment.class, QueryCommand.Standing.class,
        QueryCommand.Cancel.class})
final class QueryCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT", scope =
      picocli.CommandLine.ScopeType.INHERIT, description = "Kafka brokers.")
  String bootstrapServers;

  @Mixin KafkaClientOptions kafka;

  @Option(names = "--id", paramLabel = "ID", scope = picocli.CommandLine.ScopeType.INHERIT,
      description = "Query id (default: a random one; a cancel names the standing query's id).")
  String id;

  @Option(names = "--timeout", defaultValue = "60s", paramLabel = "DURATION",
      scope = picocli.CommandLine.ScopeType.INHERIT,
      description = "How long to wait for the answer; a standing query prints answers until then "
          + "(default: ${DEFAULT-VALUE}).")
  String timeout;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing query kind: pick one of "
        + String.join(", ", spec.subcommands().keySet()));
  }

  /** Sends {@code query} and prints the answers carrying its id; returns 0, or 1 when none came in time. */
  int ask(Query.Builder query, boolean many, PrintWriter out) throws Exception {
    Duration wait = Durations.option(spec, timeout, "--timeout");
    String queryId = id != null ? id : "q-" + UUID.randomUUID();
    Query q = query.setQueryId(queryId).setSentTimeMs(System.currentTimeMillis()).build();
    Map<String, Object> clientProperties = kafka.clientProperties(spec);
    Map<String, Object> consumerConfig = new HashMap<>(EgoStreamTopics.consumerSizeLimits());
    consumerConfig.putAll(clientProperties);
    consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "egostream-query-" + queryId);
    Map<String, Object> producerConfig = new HashMap<>(clientProperties);
    producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    int answers = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
            new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer())) {
      consumer.subscribe(List.of(EgoStreamTopics.ANSWERS));
      while (consumer.assignment().isEmpty()) {
        consumer.poll(Duration.ofMillis(100)); // join the group and take the end offsets before asking
      }
      consumer.seekToEnd(consumer.assignment());
      consumer.assignment().forEach(consumer::position);
      producer.send(new ProducerRecord<>(EgoStreamTopics.QUERIES, queryId.getBytes(StandardCharsets.UTF_8),
          q.toByteArray())).get();
      out.println("sent " + queryId);
      out.flush();
      long deadline = System.currentTimeMillis() + wait.toMillis();
      while (System.currentTimeMillis() < deadline && (many || answers == 0)) {
        for (var record : consumer.poll(Duration.ofMillis(250))) {
          Answer a = Answer.parseFrom(record.value());
          if (a.getQueryId().equals(queryId)) {
            answers++;
            out.print(a);
            out.println("---");
            out.flush();
          }
        }
      }
    }
    if (answers == 0 && many) {
      out.println("No new clip matched " + queryId + " within " + timeout + "; it stays registered until cancelled");
      return 0;
    }
    if (answers == 0) {
      spec.commandLine().getErr().println("No answer to " + queryId + " within " + timeout
          + " (is the job running on " + bootstrapServers + "?)");
      return 1;
    }
    return 0;
  }

  @Command(name = "mcq", mixinStandardHelpOptions = true,
      description = "EgoMCQ: which of five clips does the narration describe?")
  static final class Mcq implements Callable<Integer> {
    @ParentCommand QueryCommand parent;
    @Spec CommandSpec spec;

    @Option(names = "--narration", required = true, description = "E.g. \"#C C picks up the red cup\".")
    String narration;

    @Option(names = "--choice", required = true, paramLabel = "DEVICE:START_MS:END_MS",
        description = "A candidate clip (exactly five), event-time ms.")
    List<String> choices;

    @Option(names = "--wait-ms", defaultValue = "0", paramLabel = "MS",
        description = "timeout_ms: how long past the latest choice's end to wait for choices (0 = the job's).")
    long waitMs;

    @Override
    public Integer call() throws Exception {
      McqQuery.Builder mcq = McqQuery.newBuilder().setNarration(narration).setTimeoutMs(waitMs);
      for (String choice : choices) {
        String[] parts = choice.split(":");
        try {
          mcq.addChoices(ClipRange.newBuilder().setDeviceId(parts[0]).setStartMs(Long.parseLong(parts[1]))
              .setEndMs(Long.parseLong(parts[2])));
        } catch (RuntimeException e) {
          throw new ParameterException(spec.commandLine(), "Invalid value " + choice + " for option '--choice': "
              + "use DEVICE:START_MS:END_MS, e.g. wearable-00:1700000000000:1700000004000");
        }
      }
      return parent.ask(Query.newBuilder().setMcq(mcq), false, spec.commandLine().getOut());
    }
  }

  @Command(name = "moment", mixinStandardHelpOptions = true,
      description = "Moment retrieval: the stored clips most like a text.")
  static final class Moment implements Callable<Integer> {
    @ParentCommand QueryCommand parent;
    @Spec CommandSpec spec;

    @Option(names = "--text", required = true, description = "What to look for.")
    String text;

    @Option(names = "--device", paramLabel = "DEVICE", description = "Devices to search (repeatable; default: all).")
    List<String> devices = List.of();

    @Option(names = "--from-ms", defaultValue = "0", description = "Event-time range start (0 = unbounded).")
    long fromMs;

    @Option(names = "--to-ms", defaultValue = "0", description = "Event-time range end (0 = unbounded).")
    long toMs;

    @Option(names = "--top-k", defaultValue = "10", description = "Hits wanted (default: ${DEFAULT-VALUE}).")
    int topK;

    @Override
    public Integer call() throws Exception {
      return parent.ask(Query.newBuilder().setMoment(MomentQuery.newBuilder().setText(text).addAllDeviceIds(devices)
          .setFromMs(fromMs).setToMs(toMs).setTopK(topK)), false, spec.commandLine().getOut());
    }
  }

  @Command(name = "standing", mixinStandardHelpOptions = true,
      description = "A standing query: an answer for every new moment of clips at least this similar, until cancelled.")
  static final class Standing implements Callable<Integer> {
    @ParentCommand QueryCommand parent;
    @Spec CommandSpec spec;

    @Option(names = "--text", required = true, description = "What to watch for.")
    String text;

    @Option(names = "--threshold", required = true, description = "Cosine similarity in [-1, 1] a clip must reach.")
    float threshold;

    @Option(names = "--device", paramLabel = "DEVICE", description = "Devices to watch (repeatable; default: all).")
    List<String> devices = List.of();

    @Override
    public Integer call() throws Exception {
      return parent.ask(Query.newBuilder().setStanding(StandingQuery.newBuilder().setText(text)
          .setThreshold(threshold).addAllDeviceIds(devices)), true, spec.commandLine().getOut());
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true,
      description = "Cancel the standing query named by --id.")
  static final class Cancel implements Callable<Integer> {
    @ParentCommand QueryCommand parent;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (parent.id == null) {
        throw new ParameterException(spec.commandLine(), "cancel needs --id: the standing query's id");
      }
      return parent.ask(Query.newBuilder().setCancel(CancelQuery.getDefaultInstance()), false,
          spec.commandLine().getOut());
    }
  }
}
