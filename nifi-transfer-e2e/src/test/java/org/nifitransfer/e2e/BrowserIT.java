package org.nifitransfer.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.e2e.runtime.NiFiClient;
import org.nifitransfer.e2e.runtime.NiFiClient.ProcessorSummary;
import org.nifitransfer.e2e.runtime.NiFiInstance;
import org.nifitransfer.processors.Augment;
import org.nifitransfer.processors.Evaluate;
import org.nifitransfer.processors.ExtractFeatures;
import org.nifitransfer.processors.FineTune;
import org.nifitransfer.processors.LoadImageFolder;
import org.nifitransfer.processors.ResizeAndNormalize;
import org.nifitransfer.processors.TrainHead;
import org.nifitransfer.processors.UnfreezeLayers;

/**
 * The NiFi UI in a real browser: Debian's headless Chromium, driven by Playwright ({@code src/test/browser/nifi-ui.mjs},
 * playwright-core with {@code executablePath}), against the NiFi 2.3.0 the build assembles, with the cats-vs-dogs
 * template imported. The script adds a processor by dragging the toolbar icon onto the canvas, checks our processors
 * and a description in the Add Processor dialog, enters the imported group and sets UnfreezeLayers' "Top Blocks" in its
 * configuration dialog; it opens the template's heatmap gallery and block activations, from a run of the template
 * on generated stripes, in NiFi's content viewer (the way provenance's "View" button opens them); it saves a
 * screenshot per step in {@code target/screenshots}. This test then checks through the REST API that the UI actions
 * took effect, and that the browser showed each picture at its full size.
 *
 * <p>{@code src/test/browser/setup.sh} (run by Maven before the integration tests) installs Chromium and
 * playwright-core. The browser may only talk to the NiFi on 127.0.0.1: the script aborts and reports any other request.
 */
class BrowserIT {

    /** System properties failsafe sets (see the e2e pom). */
    static final String BROWSER_DIRECTORY_PROPERTY = "transfer.browser.dir";
    static final String SCREENSHOTS_PROPERTY = "transfer.browser.screenshots";
    static final String CHROMIUM_PROPERTY = "transfer.browser.chromium";
    static final String NODE_PROPERTY = "transfer.browser.node";
    static final String TIMEOUT_PROPERTY = "transfer.browser.timeout.seconds";

    private static final List<Class<?>> OUR_PROCESSORS = List.of(LoadImageFolder.class, ResizeAndNormalize.class,
            Augment.class, ExtractFeatures.class, TrainHead.class, UnfreezeLayers.class, FineTune.class, Evaluate.class);
    private static final String GROUP_NAME = "cats-vs-dogs";
    private static final String TOP_BLOCKS = "Top Blocks";
    private static final String NEW_TOP_BLOCKS = "3";
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    static Path temporary;

    private static NiFiInstance nifi;
    private static NiFiClient client;
    private static String rootId;
    private static String groupId;

    @BeforeAll
    static void startNiFiWithTheTemplate() throws Exception {
        nifi = NiFiInstance.builder().name(BrowserIT.class.getSimpleName()).start();
        client = nifi.client();
        System.out.printf("NiFi started in %d ms at %s (log %s)%n", nifi.lastStartupTime().toMillis(), nifi.apiUri(),
                nifi.logFile());
        client.awaitProcessorTypes(OUR_PROCESSORS.stream().map(Class::getName).toList(), WAIT);
        rootId = client.rootProcessGroupId();
        final Path template = projectDirectory().resolve("templates").resolve(GROUP_NAME + ".json");
        groupId = client.uploadFlowDefinition(rootId, GROUP_NAME, template).path("id").asText();
        client.awaitValidation(groupId, WAIT);
        // a run of the template on generated stripes, for the pictures the content viewer shows
        final Path project = projectDirectory();
        client.updateParameters(client.parameterContextId(groupId), java.util.Map.of(
                "data.directory", CatsVsDogsTemplateIT.writeStripes(temporary.resolve("stripes"), 60, 0, 20).toString(),
                "base.model", project.resolve("fixtures/models/tiny_base.pt").toString(), "normalization.preset", "zero-one",
                "image.size", "64", "head.epochs", "10", "fine.tune.epochs", "2"), WAIT);
        final double seconds = FlowRun.runUntil(client, groupId, "results", 2 * FlowRun.RESULTS_PER_EVALUATION, Duration.ofMinutes(5),
                done -> System.out.printf("template run: %d results%n", done));
        System.out.printf("The template ran in %.0f s%n", seconds);
    }

    /** The provenance event of the fine-tuned model's result of this kind (transfer.result). */
    private static NiFiClient.ProvenanceEvent fineTunedResult(final String kind) throws IOException, InterruptedException {
        final String evaluate = client.processors(groupId).stream().filter(p -> p.name().equals("Evaluate Fine-Tuned Model")).findFirst()
                .orElseThrow().id();
        return client.awaitProvenanceEvents(java.util.Map.of("ProcessorID", evaluate),
                found -> found.stream().anyMatch(event -> kind.equals(event.attribute("transfer.result"))), WAIT)
                .stream().filter(event -> kind.equals(event.attribute("transfer.result"))).findFirst().orElseThrow();
    }

    @AfterAll
    static void stopNiFi() {
        if (nifi != null) {
            nifi.close();
        }
    }

    @Test
    void addsAProcessorAndConfiguresUnfreezeLayersInTheUi() throws IOException, InterruptedException {
        final String uiUrl = "http://127.0.0.1:" + nifi.port() + "/nifi/";
        assertTrue(uiPage(uiUrl).contains("<nifi>"),
                "NiFi serves its UI (nifi-ui war from nifi-server-nar) at " + uiUrl);
        assertTrue(client.processors(rootId).stream().noneMatch(p -> p.groupId().equals(rootId)),
                "no processor at the root canvas before the UI adds one");
        final ProcessorSummary unfreeze = unfreezeLayers();
        assertEquals("#{unfreeze.top.blocks}", topBlocks(unfreeze.id()), "the template's value before the UI edits it");

        final Path screenshots = Path.of(requiredProperty(SCREENSHOTS_PROPERTY));
        clean(screenshots);
        final ObjectNode config = MAPPER.createObjectNode();
        config.put("group", GROUP_NAME);
        final var names = config.putArray("processors");
        OUR_PROCESSORS.forEach(processor -> names.add(processor.getSimpleName()));
        config.put("filter", "transfer learning");
        config.putObject("describe")
                .put("name", LoadImageFolder.class.getSimpleName())
                .put("description", LoadImageFolder.class.getAnnotation(CapabilityDescription.class).value());
        config.put("add", Evaluate.class.getSimpleName());
        config.put("configure", UnfreezeLayers.class.getSimpleName());
        config.put("property", TOP_BLOCKS);
        config.put("value", NEW_TOP_BLOCKS);
        // the pictures, as provenance's "View" button opens them: the content viewer with the event's output as ref
        final var views = config.putArray("contentViews");
        final java.util.Map<String, java.awt.image.BufferedImage> pictures = new java.util.LinkedHashMap<>();
        for (final String kind : List.of("heatmaps", "activations")) {
            final NiFiClient.ProvenanceEvent event = fineTunedResult(kind);
            assertEquals("image/png", event.attribute("mime.type"));
            pictures.put(kind, javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(client.provenanceOutputContent(event.eventId()))));
            views.addObject().put("name", kind).put("mimeType", "image/png")
                    .put("ref", "http://127.0.0.1:" + nifi.port() + "/nifi-api/provenance-events/" + event.eventId() + "/content/output");
        }
        final Path configFile = screenshots.resolveSibling("browser-ui-config.json");
        Files.createDirectories(screenshots);
        MAPPER.writerWithDefaultPrettyPrinter().writeValue(configFile.toFile(), config);

        final long started = System.nanoTime();
        final ScriptRun run = runUiScript(uiUrl, screenshots, configFile);
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        System.out.printf("UI script: exit %d after %d ms; screenshots in %s%n", run.exitValue(), millis, screenshots);
        if (run.exitValue() != 0) {
            fail("The UI script failed (exit " + run.exitValue() + "); screenshots in " + screenshots + "; its output:"
                    + System.lineSeparator() + run.output() + System.lineSeparator() + "NiFi's log ends with:"
                    + System.lineSeparator() + nifi.logTail(30));
        }
        final JsonNode result = MAPPER.readTree(screenshots.resolve("result.json").toFile());
        assertEquals(0, result.path("blockedRequests").size(), "requests beyond NiFi: " + result.path("blockedRequests"));
        for (final JsonNode file : result.path("screenshots")) {
            assertPng(screenshots.resolve(file.asText()));
        }
        assertEquals(13, result.path("screenshots").size(), run.output());
        for (final var picture : pictures.entrySet()) {
            final JsonNode shown = result.path("contentViews").path(picture.getKey());
            assertEquals(picture.getValue().getWidth(), shown.path("width").asInt(), "the browser showed the " + picture.getKey() + ": " + shown);
            assertEquals(picture.getValue().getHeight(), shown.path("height").asInt(), picture.getKey() + ": " + shown);
        }
        assertEquals("whole-group", result.path("steps").path(6).path("name").asText(), "a screenshot of the whole imported group");

        // What the UI did, read back through the REST API.
        final List<ProcessorSummary> atRoot = client.processors(rootId).stream()
                .filter(p -> p.groupId().equals(rootId))
                .toList();
        assertEquals(1, atRoot.size(), "one processor added to the root canvas by the UI: " + atRoot);
        assertEquals(Evaluate.class.getName(), atRoot.getFirst().type(), atRoot.toString());
        assertEquals(NEW_TOP_BLOCKS, topBlocks(unfreeze.id()), "UnfreezeLayers' \"Top Blocks\" after the UI set it");
        final long evaluatesInGroup = client.processors(groupId).stream()
                .filter(p -> p.type().equals(Evaluate.class.getName()))
                .count();
        assertEquals(2, evaluatesInGroup, "the template's two Evaluate processors are untouched");
    }

    private static ProcessorSummary unfreezeLayers() throws IOException, InterruptedException {
        return client.processors(groupId).stream()
                .filter(p -> p.type().equals(UnfreezeLayers.class.getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no UnfreezeLayers in the imported group"));
    }

    private static String topBlocks(final String processorId) throws IOException, InterruptedException {
        final JsonNode value = client.get("/processors/" + processorId).path("component").path("config")
                .path("properties").path(TOP_BLOCKS);
        return value.isNull() || value.isMissingNode() ? null : value.asText();
    }

    private static String uiPage(final String url) throws IOException, InterruptedException {
        final var http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        final var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                .timeout(Duration.ofSeconds(30)).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), "GET " + url);
        return response.body();
    }

    /** Runs {@code node nifi-ui.mjs}, its output echoed and kept; killed (with its browser) after the timeout. */
    private static ScriptRun runUiScript(final String uiUrl, final Path screenshots, final Path configFile)
            throws IOException, InterruptedException {
        final Path browserDirectory = Path.of(requiredProperty(BROWSER_DIRECTORY_PROPERTY));
        final Path script = browserDirectory.resolve("nifi-ui.mjs");
        final String chromium = System.getProperty(CHROMIUM_PROPERTY, "/usr/bin/chromium");
        final String node = System.getProperty(NODE_PROPERTY, "node");
        final Duration timeout = Duration.ofSeconds(Long.getLong(TIMEOUT_PROPERTY, 300));
        if (!Files.isExecutable(Path.of(chromium))) {
            fail(chromium + " is missing: run " + browserDirectory.resolve("setup.sh")
                    + " (Maven runs it before the integration tests)");
        }
        if (!Files.isDirectory(browserDirectory.resolve("node_modules").resolve("playwright-core"))) {
            fail("playwright-core is not installed in " + browserDirectory + ": run setup.sh there");
        }
        final ProcessBuilder builder = new ProcessBuilder(node, script.toString(), "--url", uiUrl, "--out",
                screenshots.toString(), "--config", configFile.toString())
                .directory(browserDirectory.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().put("CHROMIUM", chromium);
        builder.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        final Process process = builder.start();
        final List<String> lines = new ArrayList<>();
        final Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    System.out.println("[nifi-ui] " + line);
                    synchronized (lines) {
                        lines.add(line);
                    }
                }
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            reader.join(5_000);
            synchronized (lines) {
                fail("The UI script did not finish within " + timeout + "; its output:" + System.lineSeparator()
                        + String.join(System.lineSeparator(), lines));
            }
        }
        reader.join(10_000);
        synchronized (lines) {
            return new ScriptRun(process.exitValue(), String.join(System.lineSeparator(), lines));
        }
    }

    private static void assertPng(final Path file) throws IOException {
        assertTrue(Files.isRegularFile(file), "screenshot " + file);
        final byte[] bytes = Files.readAllBytes(file);
        assertTrue(bytes.length > 1000 && Arrays.equals(Arrays.copyOf(bytes, 8),
                new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}), "a PNG: " + file);
    }

    private static void clean(final Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            try (Stream<Path> files = Files.list(directory)) {
                for (final Path file : files.toList()) {
                    if (Files.isRegularFile(file)) {
                        Files.delete(file);
                    }
                }
            }
        }
    }

    private static Path projectDirectory() {
        return Path.of(requiredProperty("transfer.project.dir"));
    }

    private static String requiredProperty(final String name) {
        final String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("System property " + name + " is not set: run the end-to-end tests through "
                    + "Maven (./mvnw verify -pl nifi-transfer-e2e -Dit.test=BrowserIT)");
        }
        return value;
    }

    private record ScriptRun(int exitValue, String output) {
    }
}
