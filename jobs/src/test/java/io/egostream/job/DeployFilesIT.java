package io.egostream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/} checked, since no Docker engine or Kubernetes cluster exists here: the {@code FlinkDeployment}
 * against the Flink Kubernetes Operator's own CRD schema (1.15.0, a test resource) and the rules of its
 * {@code DefaultValidator} that apply to it, its configuration keys against Flink's and EgoStream's options, and the
 * Dockerfile's {@code COPY} sources against what {@code package} builds (hence an IT: {@code mvn -B -o -pl jobs -am
 * verify -Dit.test=DeployFilesIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false}).
 */
class DeployFilesIT {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final String CRD = "/deploy/flinkdeployments.flink.apache.org-v1.yml";
  /** The operator's DefaultValidator: a FlinkDeployment's name. */
  private static final Pattern DEPLOYMENT_NAME = Pattern.compile("[a-z]([-a-z\\d]{0,43}[a-z\\d])?");
  /** The operator's DefaultValidator refuses these: it sets them itself. */
  private static final Set<String> FORBIDDEN_KEYS =
      Set.of("kubernetes.namespace", "kubernetes.cluster-id", "high-availability.cluster-id");
  private static final String USRLIB = "local:///opt/flink/usrlib/";
  /** What the jobs module builds for a cluster: the thin job jar, and the jars for the cluster's lib/. */
  private static final String JOB_JAR = "egostream-job.jar";
  private static final String CLUSTER_LIB = "jobs/target/cluster-lib/";

  @Test
  void theManifestMatchesTheOperatorsCrd() throws IOException {
    JsonNode crd = crd();
    JsonNode manifest = manifest();
    assertEquals(crd.at("/spec/group").asText() + "/v1beta1", manifest.path("apiVersion").asText());
    assertEquals(crd.at("/spec/names/kind").asText(), manifest.path("kind").asText());
    String name = manifest.at("/metadata/name").asText();
    assertTrue(DEPLOYMENT_NAME.matcher(name).matches(), "metadata.name " + name);

    assertEquals(List.of(), SchemaCheck.errors(manifest.path("spec"), specSchema(crd), "spec"));
    assertEquals("v2_2", manifest.at("/spec/flinkVersion").asText(), "the Flink this project builds against, 2.2");
  }

  @Test
  void theSchemaCheckRefusesWhatKubectlWouldRefuse() throws IOException {
    JsonNode schema = specSchema(crd());
    ObjectNode spec = manifest().path("spec").deepCopy();
    spec.put("flinkVersion", "v2_9");
    ObjectNode job = (ObjectNode) spec.path("job");
    job.put("upgradeMode", "Savepoint");
    job.put("parallelism", "two");
    job.put("entryclass", "io.egostream.Main");
    ((ObjectNode) spec.at("/taskManager/resource")).put("cpu", true);
    List<String> errors = SchemaCheck.errors(spec, schema, "spec");
    assertEquals(5, errors.size(), errors.toString());
    assertTrue(errors.contains("spec.flinkVersion: v2_9 is not one of " + schema.at("/properties/flinkVersion/enum")),
        errors.toString());
    assertTrue(errors.contains("spec.job.entryclass: unknown field"), errors.toString());
    assertTrue(errors.contains("spec.job.parallelism: \"two\" is not of type integer"), errors.toString());
  }

  @Test
  void everyConfigurationKeyIsFlinksOrEgoStreamsAndEveryEgoStreamValueParses() throws IOException {
    Map<String, String> conf = flinkConfiguration(manifest());
    FlinkOptionKeys flink = FlinkOptionKeys.scan();
    assertTrue(flink.isFlinkKey("taskmanager.memory.task.off-heap.size"), "the scan found Flink's options");
    assertFalse(flink.isFlinkKey("taskmanager.memory.task.offheap.size"), "and tells a misspelt key");
    Map<String, ConfigOption<?>> ours = EgoStreamOptions.all().stream()
        .collect(Collectors.toMap(ConfigOption::key, option -> option));
    Configuration configuration = Configuration.fromMap(conf);
    List<String> unknown = new ArrayList<>();
    for (String key : conf.keySet()) {
      if (ours.containsKey(key)) {
        configuration.get(ours.get(key)); // throws on a value the option cannot parse
      } else if (key.startsWith(EgoStreamOptions.KAFKA_PROPERTIES)) {
        KafkaConnectors.checkClientProperty(key); // throws unless a Kafka client property the job leaves to users
      } else if (!flink.isFlinkKey(key)) {
        unknown.add(key);
      }
      assertFalse(FORBIDDEN_KEYS.contains(key), key + " is set by the operator (its DefaultValidator refuses it)");
    }
    assertEquals(List.of(), unknown, "keys neither Flink nor EgoStream declares");
    assertTrue(conf.keySet().stream().anyMatch(ours::containsKey), "the job's own options are set here too");
  }

  @Test
  void theManifestDeclaresWhatSavepointUpgradesAndTheNativeLibrariesNeed() throws IOException {
    JsonNode manifest = manifest();
    Configuration conf = Configuration.fromMap(flinkConfiguration(manifest));
    // The operator's DefaultValidator refuses upgradeMode savepoint without these two.
    assertEquals("savepoint", manifest.at("/spec/job/upgradeMode").asText());
    assertFalse(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY, "").isBlank(), "checkpoint directory");
    assertFalse(conf.get(CheckpointingOptions.SAVEPOINT_DIRECTORY, "").isBlank(), "savepoint directory");
    assertTrue(manifest.at("/spec/job/parallelism").asInt() > 0);
    // DJL sits in /opt/flink/lib: loaded parent-first, its native libraries are loaded once per JVM.
    List<String> parentFirst = conf.get(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL);
    assertTrue(parentFirst.containsAll(List.of("ai.djl.", "org.bytedeco.")), parentFirst.toString());
  }

  @Test
  void theManifestRunsTheThinJarThroughAPlainMain() throws Exception {
    JsonNode job = manifest().at("/spec/job");
    String jarUri = job.path("jarURI").asText();
    assertTrue(jarUri.startsWith(USRLIB), jarUri);
    assertEquals("local", URI.create(jarUri).getScheme(), "the operator needs a scheme; local = inside the image");
    String jar = jarUri.substring(USRLIB.length());
    assertEquals(JOB_JAR, jar, "the thin job jar");
    assertTrue(dockerCopies().contains(new Copy("jobs/target/" + jar, "/opt/flink/usrlib/" + jar)),
        "the Dockerfile puts the jar where jarURI points: " + dockerCopies());

    Method main = Class.forName(job.path("entryClass").asText()).getMethod("main", String[].class);
    assertTrue(Modifier.isStatic(main.getModifiers()) && Modifier.isPublic(main.getModifiers()), main.toString());
  }

  @Test
  void everyFileTheDockerfileCopiesIsBuilt() throws IOException {
    List<Copy> copies = dockerCopies();
    assertTrue(copies.contains(new Copy(CLUSTER_LIB, "/opt/flink/lib/")), "the jars for the cluster's lib/: " + copies);
    for (Copy copy : copies) {
      Path source = root().resolve(copy.source());
      assertTrue(Files.exists(source), copy.source() + " (COPY to " + copy.target() + ") is neither built by "
          + "`mvn package` nor in the repository");
      if (copy.source().endsWith("/")) {
        try (var files = Files.list(source)) {
          assertTrue(files.findAny().isPresent(), copy.source() + " is empty");
        }
      }
    }
  }

  /** A Dockerfile {@code COPY SOURCE TARGET} line (no options, one source). */
  record Copy(String source, String target) {}

  private static List<Copy> dockerCopies() throws IOException {
    List<Copy> copies = new ArrayList<>();
    Matcher m = Pattern.compile("(?m)^COPY\\s+(\\S+)\\s+(\\S+)\\s*$")
        .matcher(Files.readString(root().resolve("deploy/Dockerfile")));
    while (m.find()) {
      copies.add(new Copy(m.group(1), m.group(2)));
    }
    return copies;
  }

  /** The flinkConfiguration, flattened the way Flink flattens nested YAML ({@code a: {b: 1}} is {@code a.b: 1}). */
  private static Map<String, String> flinkConfiguration(JsonNode manifest) {
    Map<String, String> flat = new LinkedHashMap<>();
    flatten("", manifest.at("/spec/flinkConfiguration"), flat);
    return flat;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
    if (node.isObject()) {
      node.fields().forEachRemaining(e -> flatten(prefix + e.getKey() + (e.getValue().isObject() ? "." : ""),
          e.getValue(), out));
    } else {
      out.put(prefix, node.asText());
    }
  }

  /** The schema of a FlinkDeployment's spec in the CRD's served version v1beta1. */
  private static JsonNode specSchema(JsonNode crd) {
    for (JsonNode version : crd.at("/spec/versions")) {
      if (version.path("name").asText().equals("v1beta1") && version.path("served").asBoolean()) {
        return version.at("/schema/openAPIV3Schema/properties/spec");
      }
    }
    throw new AssertionError("the CRD serves no version v1beta1");
  }

  private static JsonNode crd() throws IOException {
    try (InputStream in = DeployFilesIT.class.getResourceAsStream(CRD)) {
      return YAML.readTree(in);
    }
  }

  private static JsonNode manifest() throws IOException {
    return YAML.readTree(root().resolve("deploy/flink-deployment.yaml").toFile());
  }

  /** The repository: the tests run in their module's folder. */
  private static Path root() {
    Path here = Path.of("").toAbsolutePath();
    return Files.isDirectory(here.resolve("deploy")) ? here : here.getParent();
  }

  /**
   * The structural checks the Kubernetes API server makes against a CRD's OpenAPI v3 schema with strict field
   * validation ({@code kubectl apply --validate=strict}): unknown fields, types (with
   * {@code x-kubernetes-int-or-string}), enums, required fields, {@code anyOf}. Formats and CEL rules are left out;
   * the FlinkDeployment CRD has none that apply here.
   */
  static final class SchemaCheck {
    private SchemaCheck() {}

    static List<String> errors(JsonNode value, JsonNode schema, String path) {
      List<String> errors = new ArrayList<>();
      check(value, schema, path, errors);
      return errors;
    }

    private static void check(JsonNode value, JsonNode schema, String path, List<String> errors) {
      if (schema.has("anyOf")) {
        boolean any = false;
        for (JsonNode alternative : schema.get("anyOf")) {
          any |= errors(value, alternative, path).isEmpty();
        }
        if (!any) {
          errors.add(path + ": " + value + " matches none of " + schema.get("anyOf"));
          return;
        }
      }
      if (schema.path("x-kubernetes-int-or-string").asBoolean()) {
        if (!value.isIntegralNumber() && !value.isTextual()) {
          errors.add(path + ": " + value + " is not an integer or a string");
        }
        return;
      }
      String type = schema.path("type").asText("");
      if (!type.isEmpty() && !hasType(value, type)) {
        errors.add(path + ": " + value + " is not of type " + type);
        return;
      }
      if (schema.has("enum")) {
        boolean listed = false;
        for (JsonNode allowed : schema.get("enum")) {
          listed |= allowed.equals(value);
        }
        if (!listed) {
          errors.add(path + ": " + value.asText() + " is not one of " + schema.get("enum"));
        }
      }
      if (value.isArray() && schema.has("items")) {
        for (int i = 0; i < value.size(); i++) {
          check(value.get(i), schema.get("items"), path + "[" + i + "]", errors);
        }
      }
      if (value.isObject()) {
        checkFields(value, schema, path, errors);
      }
    }

    private static void checkFields(JsonNode value, JsonNode schema, String path, List<String> errors) {
      for (JsonNode required : schema.path("required")) {
        if (!value.has(required.asText())) {
          errors.add(path + "." + required.asText() + ": required");
        }
      }
      boolean preserveUnknown = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean();
      value.fields().forEachRemaining(field -> {
        String at = path + "." + field.getKey();
        JsonNode declared = schema.path("properties").get(field.getKey());
        if (declared != null) {
          check(field.getValue(), declared, at, errors);
        } else if (schema.path("additionalProperties").isObject()) {
          check(field.getValue(), schema.get("additionalProperties"), at, errors);
        } else if (!preserveUnknown) {
          errors.add(at + ": unknown field");
        }
      });
    }

    private static boolean hasType(JsonNode value, String type) {
      return switch (type) {
        case "object" -> value.isObject();
        case "array" -> value.isArray();
        case "string" -> value.isTextual();
        case "integer" -> value.isIntegralNumber();
        case "number" -> value.isNumber();
        case "boolean" -> value.isBoolean();
        default -> throw new IllegalArgumentException("schema type " + type + " at a value " + value);
      };
    }
  }
}
