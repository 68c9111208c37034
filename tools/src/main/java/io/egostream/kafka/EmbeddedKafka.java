package io.egostream.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Apache Kafka broker inside this JVM: KRaft mode (one node is both broker and controller), no
 * ZooKeeper, no Docker, listening on 127.0.0.1 only.
 *
 * <p>It runs Kafka's own production server ({@code KafkaRaftServer}, what {@code kafka-server-start.sh} runs), not a
 * mock, set up for one machine: internal topics with one replica, a transaction timeout ceiling that Flink's
 * exactly-once {@code KafkaSink} accepts with its defaults, and records up to {@link EgoStreamTopics#MAX_RECORD_BYTES}.
 * Tests start one on a free port in a temporary folder ({@code start(0, null)}); {@code egostream kafka} runs one for
 * local development and demos.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null)) {
 *   kafka.createEgoStreamTopics(4);
 *   ... clients connect to kafka.bootstrapServers() ...
 * }
 * }</pre>
 *
 * <p>Several brokers can run in one JVM, each on its own ports and folder; they do not form a cluster.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

  /** Loopback only: a development broker has no authentication and must not be reachable from the network. */
  public static final String HOST = "127.0.0.1";

  /** The one node of the cluster; kept in the data folder's meta.properties, so a restart must use the same id. */
  private static final int NODE_ID = 1;
  private static final String CLIENT_LISTENER = "PLAINTEXT";
  private static final String SASL_CLIENT_LISTENER = "SASL_PLAINTEXT";
  private static final String CONTROLLER_LISTENER = "CONTROLLER";
  /** Written by formatting: a folder that holds it is a Kafka data folder. */
  private static final String META_PROPERTIES = "meta.properties";
  /** A port found free can be taken by another process before the broker binds it; then we pick again. */
  private static final int FREE_PORT_ATTEMPTS = 3;
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

  private final KafkaRaftServer server;
  private final int port;
  private final Path dataDir;
  private final boolean deleteDataDirOnClose;
  private final PlainUser saslUser;
  private boolean closed;

  /**
   * The one user of a broker whose client listener takes SASL/PLAIN ({@link #start(int, Path, PlainUser)}): clients
   * without these credentials are refused.
   */
  public record PlainUser(String name, String password) {
    /** The {@code sasl.jaas.config} a client logs in with as this user. */
    public String jaasConfig() {
      return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + name
          + "\" password=\"" + password + "\";";
    }
  }

  private EmbeddedKafka(KafkaRaftServer server, int port, Path dataDir, boolean deleteDataDirOnClose,
      PlainUser saslUser) {
    this.server = server;
    this.port = port;
    this.dataDir = dataDir;
    this.deleteDataDirOnClose = deleteDataDirOnClose;
    this.saslUser = saslUser;
  }

  /**
   * Formats the data folder if it is new and starts the broker; returns once it accepts clients.
   *
   * @param port client port on 127.0.0.1; 0 picks a free one (see {@link #port()})
   * @param dataDir folder for the topic data and the cluster metadata: an empty or missing folder, or one a previous
   *     run left (its topics and offsets are kept); {@code null} for a temporary folder deleted on {@link #close()}
   * @throws BindException if {@code port} is in use
   * @throws IOException if the data folder cannot be created
   * @throws IllegalArgumentException if {@code port} is out of range or {@code dataDir} holds something else
   */
  public static EmbeddedKafka start(int port, Path dataDir) throws IOException {
    return start(port, dataDir, null);
  }

  /**
   * As {@link #start(int, Path)}, with the client listener taking SASL/PLAIN for {@code saslUser} only (the broker
   * talks to itself as that user too); {@code null} for the plain listener. Clients need {@link #clientProperties()}.
   */
  public static EmbeddedKafka start(int port, Path dataDir, PlainUser saslUser) throws IOException {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("Invalid value " + port + " for the Kafka port: must be 0 (any free port) "
          + "to 65535");
    }
    if (port != 0 && !isFree(port)) {
      throw portInUse(port);
    }
    boolean temporary = dataDir == null;
    Path dir = temporary ? Files.createTempDirectory("egostream-kafka-") : prepareDataDir(dataDir);
    long started = System.nanoTime();
    try {
      for (int attempt = 1; ; attempt++) {
        int clientPort = port != 0 ? port : freePort();
        int controllerPort = freePort();
        try {
          KafkaRaftServer server = startServer(brokerConfig(clientPort, controllerPort, dir, saslUser), dir);
          LOG.info("Kafka started on {}:{} in {} ms (data: {})", HOST, clientPort,
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), dir);
          return new EmbeddedKafka(server, clientPort, dir, temporary, saslUser);
        } catch (RuntimeException e) {
          if (!causedByBindFailure(e)) {
            throw e;
          }
          if (port != 0 && !isFree(port)) {
            throw portInUse(port);
          }
          if (attempt == FREE_PORT_ATTEMPTS) {
            throw new BindException("Kafka could not bind ports found free on " + HOST + " (" + attempt
                + " attempts; other processes keep taking them): " + e.getMessage());
          }
          LOG.debug("A port found free was taken before Kafka bound it; picking again", e);
        }
      }
    } catch (IOException | RuntimeException e) {
      if (temporary) {
        deleteQuietly(dir);
      }
      throw e;
    }
  }

  /** {@code 127.0.0.1:port}, for clients' {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return HOST + ":" + port;
  }

  /**
   * What a client needs besides {@code bootstrap.servers}: nothing for a plain broker, the SASL/PLAIN login of its
   * user for one started with a {@link PlainUser}.
   */
  public Map<String, Object> clientProperties() {
    return saslUser == null ? Map.of() : Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
        "sasl.jaas.config", saslUser.jaasConfig());
  }

  /** The client port (the one picked when started with port 0). */
  public int port() {
    return port;
  }

  /** Where topic data and cluster metadata live. */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * Creates EgoStream's topics ({@link EgoStreamTopics#newTopics}); topics that already exist (a data folder from a
   * previous run) are kept as they are.
   *
   * @return every EgoStream topic with its actual partition count, in {@link EgoStreamTopics#ALL} order
   */
  public Map<String, Integer> createEgoStreamTopics(int framePartitions) {
    return createTopics(EgoStreamTopics.newTopics(framePartitions, (short) 1));
  }

  /**
   * Creates topics, keeping any that already exist; for tests that need topics of their own (build them with
   * {@link EgoStreamTopics#newTopic} to get the size limit).
   *
   * @return each topic with its actual partition count, in the given order
   */
  public Map<String, Integer> createTopics(Collection<NewTopic> topics) {
    Map<String, Object> config = new LinkedHashMap<>(clientProperties());
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
    try (Admin admin = Admin.create(config)) {
      for (Map.Entry<String, KafkaFuture<Void>> created : admin.createTopics(topics).values().entrySet()) {
        try {
          await(created.getValue());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("Cannot create topic " + created.getKey() + " on " + bootstrapServers()
                + ": " + e.getCause().getMessage(), e.getCause());
          }
          LOG.debug("Topic {} exists already; kept as it is", created.getKey());
        }
      }
      List<String> names = topics.stream().map(NewTopic::name).toList();
      Map<String, TopicDescription> descriptions = describe(admin, names);
      Map<String, Integer> partitions = new LinkedHashMap<>();
      names.forEach(name -> partitions.put(name, descriptions.get(name).partitions().size()));
      return partitions;
    } catch (ExecutionException e) {
      throw new IllegalStateException("Cannot describe topics on " + bootstrapServers() + ": "
          + e.getCause().getMessage(), e.getCause());
    }
  }

  /**
   * Stops the broker and releases its ports; deletes the data folder if it was temporary. The shutdown is Kafka's
   * controlled one, so a later start from the same folder skips log recovery. Safe to call twice.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    long started = System.nanoTime();
    // Kafka's shutdown waits on futures; with the caller's interrupt flag set it would give up on the controlled
    // shutdown and log an error. Shut down cleanly first, then hand the interrupt back.
    boolean interrupted = Thread.interrupted();
    try {
      server.shutdown();
      server.awaitShutdown();
    } finally {
      if (deleteDataDirOnClose) {
        deleteQuietly(dataDir);
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    LOG.info("Kafka on {}:{} stopped in {} ms", HOST, port, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  /**
   * The broker's settings. Everything not set here keeps Kafka's default.
   *
   * <p>Kafka's defaults assume three or more brokers: internal topics with replication factor 3 cannot be created
   * on one node, so the first consumer group or transaction would fail. The other values are explained inline.
   */
  static Map<String, String> brokerConfig(int clientPort, int controllerPort, Path dataDir, PlainUser saslUser) {
    Map<String, String> config = new LinkedHashMap<>();
    // One node, both roles: KRaft without a separate controller process.
    config.put("process.roles", "broker,controller");
    config.put("node.id", Integer.toString(NODE_ID));
    config.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
    // Listener names are their protocols: PLAINTEXT, or SASL_PLAINTEXT with a user.
    String client = saslUser == null ? CLIENT_LISTENER : SASL_CLIENT_LISTENER;
    config.put("listeners", client + "://" + HOST + ":" + clientPort + ","
        + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
    config.put("advertised.listeners", client + "://" + HOST + ":" + clientPort);
    config.put("listener.security.protocol.map", client + ":" + client + "," + CONTROLLER_LISTENER + ":PLAINTEXT");
    // Also the broker's connections to itself (transaction markers): with SASL, as the user.
    config.put("inter.broker.listener.name", client);
    config.put("controller.listener.names", CONTROLLER_LISTENER);
    if (saslUser != null) {
      config.put("sasl.enabled.mechanisms", "PLAIN");
      config.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
      // The broker's own login (for its connections to itself), then the users it accepts: user_NAME="PASSWORD".
      String login = saslUser.jaasConfig();
      config.put("listener.name." + client.toLowerCase(Locale.ROOT) + ".plain.sasl.jaas.config",
          login.substring(0, login.length() - 1) + " user_" + saslUser.name() + "=\"" + saslUser.password() + "\";");
    }
    // Topic data and the metadata log (which defaults to the first log dir) in one folder.
    config.put("log.dirs", dataDir.toString());

    // Internal topics on one node: one replica, one in-sync replica.
    config.put("offsets.topic.replication.factor", "1");
    config.put("transaction.state.log.replication.factor", "1");
    config.put("transaction.state.log.min.isr", "1");
    config.put("share.coordinator.state.topic.replication.factor", "1");
    config.put("share.coordinator.state.topic.min.isr", "1");
    // Default 50 partitions each: 50 folders with preallocated index files created on first use, which slows the
    // first consumer group or transaction by seconds and buys nothing on one node.
    config.put("offsets.topic.num.partitions", "1");
    config.put("transaction.state.log.num.partitions", "1");
    config.put("share.coordinator.state.topic.num.partitions", "1");

    // Exactly-once sinks: Flink's KafkaSink asks for transaction.timeout.ms = 1 h unless told otherwise, and the
    // broker refuses producers asking more than this (default 15 min).
    config.put("transaction.max.timeout.ms", Long.toString(Duration.ofHours(1).toMillis()));
    // A new consumer group starts at once instead of waiting 3 s for more members.
    config.put("group.initial.rebalance.delay.ms", "0");

    // Frame batches carry JPEGs: raise every broker-side size limit together (see EgoStreamTopics).
    String maxBatchBytes = Integer.toString(EgoStreamTopics.MAX_BATCH_BYTES);
    config.put("message.max.bytes", maxBatchBytes);
    config.put("replica.fetch.max.bytes", maxBatchBytes);
    config.put("replica.fetch.response.max.bytes", maxBatchBytes);

    // The log cleaner (compacts the internal topics) allocates its dedupe buffer on the heap at start: 128 MB by
    // default, far more than a development broker's few internal keys need.
    config.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
    // Fail with an error rather than wait forever if the node cannot become ready (default: no limit).
    config.put("server.max.startup.time.ms", Long.toString(Duration.ofMinutes(1).toMillis()));
    return config;
  }

  private static KafkaRaftServer startServer(Map<String, String> config, Path dataDir) {
    KafkaConfig kafkaConfig = new KafkaConfig(config);
    formatIfNew(dataDir);
    KafkaRaftServer server = new KafkaRaftServer(kafkaConfig, Time.SYSTEM);
    try {
      server.startup();
    } catch (RuntimeException e) {
      try {
        server.shutdown();
      } catch (RuntimeException shutdownFailure) {
        e.addSuppressed(shutdownFailure);
      }
      throw e;
    }
    return server;
  }

  /**
   * What {@code kafka-storage.sh format} does: writes meta.properties (cluster id, node id) and the bootstrap metadata
   * snapshot. KRaft refuses to start on an unformatted folder. A folder formatted by an earlier run keeps its cluster
   * id and data.
   */
  private static void formatIfNew(Path dataDir) {
    if (Files.exists(dataDir.resolve(META_PROPERTIES))) {
      return;
    }
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    try (PrintStream printStream = new PrintStream(output, true, StandardCharsets.UTF_8)) {
      new Formatter()
          .setPrintStream(printStream) // it prints to stdout otherwise, which a command's results own
          .setNodeId(NODE_ID)
          .setClusterId(Uuid.randomUuid().toString())
          .addDirectory(dataDir.toString())
          .setMetadataLogDirectory(dataDir.toString())
          .setControllerListenerName(CONTROLLER_LISTENER)
          .run();
    } catch (Exception e) {
      throw new IllegalStateException("Cannot format Kafka data folder " + dataDir + ": " + e.getMessage(), e);
    }
    LOG.debug("Formatted {}: {}", dataDir, output.toString(StandardCharsets.UTF_8).strip());
  }

  private static Path prepareDataDir(Path dataDir) throws IOException {
    if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
      throw new IllegalArgumentException("Invalid Kafka data folder " + dataDir + ": it is a file; give a folder");
    }
    Files.createDirectories(dataDir);
    if (!Files.exists(dataDir.resolve(META_PROPERTIES))) {
      try (Stream<Path> entries = Files.list(dataDir)) {
        if (entries.findAny().isPresent()) {
          throw new IllegalArgumentException("Invalid Kafka data folder " + dataDir + ": it holds files but no "
              + META_PROPERTIES + ", so it is not a Kafka data folder; give an empty or new folder");
        }
      }
    }
    return dataDir;
  }

  private static boolean isFree(int port) {
    try {
      new ServerSocket(port, 1, InetAddress.getByName(HOST)).close();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A port free on the loopback address right now. */
  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    }
  }

  private static BindException portInUse(int port) {
    return new BindException("Port " + port + " on " + HOST + " is in use (another Kafka broker?); choose another "
        + "port, or 0 for any free one");
  }

  private static boolean causedByBindFailure(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof BindException) {
        return true;
      }
    }
    return false;
  }

  private static <T> T await(KafkaFuture<T> future) throws ExecutionException {
    try {
      return future.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for Kafka", e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("Kafka on " + HOST + " did not answer within " + ADMIN_TIMEOUT.toSeconds()
          + " s", e);
    }
  }

  /**
   * The topics' descriptions. A created topic reaches the broker's metadata cache a moment after the controller
   * accepts it, and until then describing it fails with "does not host this topic-partition"; that is retried until
   * the admin timeout.
   */
  private static Map<String, TopicDescription> describe(Admin admin, List<String> names) throws ExecutionException {
    long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
    while (true) {
      try {
        return await(admin.describeTopics(names).allTopicNames());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
          throw e;
        }
        Utils.sleep(50);
      }
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      Utils.delete(dir.toFile());
    } catch (IOException e) {
      LOG.warn("Could not delete Kafka's temporary folder {}: {}", dir, e.toString());
    }
  }
}
