package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * What {@code package} builds for a Flink cluster: the thin job jar carries the job, its operators, model and
 * contracts and the Kafka connector, and none of what a cluster brings itself (Flink's runtime, a logging backend) or
 * what only the command line needs (a broker, Scala, FFmpeg); DJL is in {@code cluster-lib/} for the cluster's
 * {@code lib/} instead. Runs after {@code package} (failsafe).
 */
class ThinJobJarIT {
  private static final Path JAR = Path.of("target", "egostream-job.jar");
  private static final Path CLUSTER_LIB = Path.of("target", "cluster-lib");

  private static final List<String> FORBIDDEN = List.of(
      "org/apache/flink/runtime/", "org/apache/flink/api/common/", "org/apache/flink/streaming/api/environment/",
      "kafka/server/", "kafka/log/", "kafka/cluster/", "kafka/network/", "kafka/Kafka", "org/apache/kafka/raft/",
      "org/apache/kafka/metadata/", "org/apache/kafka/storage/", "org/apache/kafka/controller/", "scala/",
      "org/apache/logging/log4j/", "org/slf4j/", "org/bytedeco/", "ai/djl/", "io/egostream/cli/",
      "io/egostream/kafka/EmbeddedKafka");

  private static final List<String> REQUIRED = List.of(
      "io/egostream/job/EgoStreamJobMain.class", "io/egostream/kafka/EgoStreamTopics.class",
      "io/egostream/operators/inference/EmbedClips.class", "io/egostream/proto/v1/FrameBatch.class",
      "io/egostream/model/trained/tiny-synthetic/model.safetensors",
      "org/apache/flink/connector/kafka/source/KafkaSource.class",
      "org/apache/flink/connector/kafka/sink/KafkaSink.class",
      "org/apache/kafka/clients/producer/KafkaProducer.class", "com/google/protobuf/Message.class");

  @Test
  void thinJarHasTheJobAndTheConnectorAndNothingTheClusterBrings() throws IOException {
    List<String> names;
    try (ZipFile jar = new ZipFile(JAR.toFile())) {
      names = Collections.list(jar.entries()).stream().map(ZipEntry::getName).collect(Collectors.toList());
    }
    List<String> forbidden = names.stream().filter(n -> FORBIDDEN.stream().anyMatch(n::startsWith))
        .limit(20).collect(Collectors.toList());
    assertEquals(List.of(), forbidden, "classes in " + JAR + " that the cluster or the command line provides");
    List<String> missing = REQUIRED.stream().filter(r -> !names.contains(r)).collect(Collectors.toList());
    assertEquals(List.of(), missing, "missing from " + JAR);
    try (JarFile jar = new JarFile(JAR.toFile())) {
      assertEquals(EgoStreamJobMain.class.getName(), jar.getManifest().getMainAttributes().getValue("Main-Class"));
    }
  }

  @Test
  void clusterLibHoldsDjlAndItsNativesButNoFlink() throws IOException {
    List<String> jars;
    try (Stream<Path> files = Files.list(CLUSTER_LIB)) {
      jars = files.map(f -> f.getFileName().toString()).sorted().collect(Collectors.toList());
    }
    for (String prefix : List.of("api-", "pytorch-engine-", "pytorch-jni-", "pytorch-native-", "gson-", "jna-")) {
      assertTrue(jars.stream().anyMatch(j -> j.startsWith(prefix) && j.endsWith(".jar")),
          "no " + prefix + "*.jar in " + CLUSTER_LIB + ": " + jars);
    }
    assertEquals(List.of(), jars.stream().filter(j -> j.startsWith("flink-") || j.startsWith("kafka")
        || j.startsWith("slf4j") || j.startsWith("log4j")).collect(Collectors.toList()),
        "jars in " + CLUSTER_LIB + " that a Flink distribution already has or the job jar carries");
  }
}
