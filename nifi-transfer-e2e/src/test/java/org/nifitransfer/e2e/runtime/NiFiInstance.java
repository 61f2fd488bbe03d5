package org.nifitransfer.e2e.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Apache NiFi 2.3.0 started as a child process from the NiFi home that Maven lays out under
 * {@code target/nifi-home} ({@code lib/}: runtime jars and framework NARs; {@code extensions/}: our NAR).
 *
 * <p>The instance writes {@code conf/} from the templates in {@code src/test/resources/nifi-conf} (plain HTTP on
 * 127.0.0.1 at a free port, no TLS, no users), starts {@code java -cp conf:lib/* org.apache.nifi.NiFi} with the JDK
 * that runs the tests, DJL offline and usage tracking off, sends NiFi's output to a log file and waits until the REST
 * API answers. {@link #restart()} stops and starts NiFi on the same home and port: the flow ({@code conf/flow.json.gz})
 * and the flowfile, content and provenance repositories persist. {@link #close()} stops NiFi (SIGTERM, then a
 * forced kill after a grace period); a JVM shutdown hook does the same if a test run ends without closing it.
 *
 * <p>Each instance starts its log file afresh; its restarts append to it. Only one instance should run per NiFi home
 * at a time. {@link Builder#fresh(boolean)} (the default) removes the flow,
 * repositories and state a previous instance left in the home before the first start; the unpacked NARs under
 * {@code work/} are kept, which saves several seconds.
 */
public final class NiFiInstance implements AutoCloseable {

    /** System property, set by failsafe, naming the NiFi home that Maven prepared. */
    public static final String HOME_PROPERTY = "transfer.nifi.home";
    /** System property, set by failsafe, naming the folder NiFi's log files go to. */
    public static final String LOG_DIRECTORY_PROPERTY = "transfer.nifi.logs";

    private static final String CONF_TEMPLATES = "/nifi-conf/";
    private static final List<String> CONF_FILES = List.of("nifi.properties", "logback.xml", "state-management.xml");
    /** Written only for the cluster node that embeds ZooKeeper. */
    private static final String ZOOKEEPER_CONF_FILE = "zookeeper.properties";
    private static final String ZOOKEEPER_STATE_PROVIDER = """
                <cluster-provider>
                    <id>zk-provider</id>
                    <class>org.apache.nifi.controller.state.providers.zookeeper.ZooKeeperStateProvider</class>
                    <property name="Connect String">%s</property>
                    <property name="Root Node">/nifi</property>
                    <property name="Session Timeout">10 seconds</property>
                    <property name="Access Control">Open</property>
                </cluster-provider>""";
    /** What {@link Builder#fresh(boolean)} removes: everything a running NiFi writes, except the unpacked NARs. */
    private static final List<String> RUNTIME_STATE = List.of("conf", "flowfile_repository", "content_repository",
            "provenance_repository", "database_repository", "state", "nar_repository", "assets", "work/uploads",
            "work/jetty", "work/nifi-transfer");
    private static final int LOG_TAIL_LINES = 80;

    private final Path home;
    private final Path logFile;
    private final int port;
    private final int managementPort;
    private final String heap;
    private final List<String> javaArguments;
    private final Duration startTimeout;
    private final Duration stopGracePeriod;
    private final Path djlCacheDirectory;
    private final boolean testExtensions;
    private final ClusterNodeSettings clusterNode;
    private final HttpClient httpClient;
    private final Thread shutdownHook;

    private Process process;
    private long logOffsetAtStart;
    private Duration lastStartupTime;
    private boolean hookRegistered;
    private final boolean detached;

    private NiFiInstance(final Builder builder) throws IOException {
        this.home = builder.home.toAbsolutePath().normalize();
        requireDirectory(home.resolve("lib"), "the NiFi home's lib/ (run the build through Maven: mvn verify -pl nifi-transfer-e2e)");
        requireDirectory(home.resolve("extensions"), "the NiFi home's extensions/ (run the build through Maven)");
        Files.createDirectories(builder.logDirectory);
        this.logFile = builder.logDirectory.toAbsolutePath().resolve(builder.name + ".log");
        // a home kept from an earlier start keeps its sensitive-properties key (the flow is encrypted with it) and its port
        final Properties existing = builder.fresh ? new Properties() : properties(home);
        final int existingPort = Integer.parseInt(existing.getProperty("nifi.web.http.port", "0"));
        this.port = builder.port > 0 ? builder.port : existingPort > 0 && isFree(existingPort) ? existingPort : freeLoopbackPort();
        this.managementPort = freeLoopbackPort();
        this.detached = builder.detached;
        this.heap = builder.heap;
        this.javaArguments = List.copyOf(builder.javaArguments);
        this.startTimeout = builder.startTimeout;
        this.stopGracePeriod = builder.stopGracePeriod;
        this.djlCacheDirectory = builder.djlCacheDirectory;
        this.testExtensions = builder.testExtensions;
        this.clusterNode = builder.clusterNode;
        this.httpClient = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        this.shutdownHook = new Thread(this::destroyNow, "nifi-instance-shutdown-" + port);
        if (builder.fresh) {
            for (final String path : RUNTIME_STATE) {
                deleteRecursively(home.resolve(path));
            }
        }
        writeConfiguration(existing.getProperty("nifi.sensitive.props.key", builder.sensitivePropertiesKey));
        Files.writeString(logFile, "", StandardCharsets.UTF_8);
    }

    /** A builder for the NiFi home named by the {@value #HOME_PROPERTY} system property (failsafe sets it). */
    public static Builder builder() {
        final String home = System.getProperty(HOME_PROPERTY);
        if (home == null || home.isBlank()) {
            throw new IllegalStateException("System property " + HOME_PROPERTY + " is not set: run the end-to-end tests "
                    + "through Maven (./mvnw verify -pl nifi-transfer-e2e), which prepares target/nifi-home");
        }
        final Path homePath = Path.of(home);
        final String logs = System.getProperty(LOG_DIRECTORY_PROPERTY);
        final Path logDirectory = logs == null || logs.isBlank() ? homePath.resolveSibling("nifi-logs") : Path.of(logs);
        return new Builder(homePath, logDirectory);
    }

    /** Starts NiFi and waits until its REST API answers; fails with the end of NiFi's log if it does not. */
    public synchronized NiFiInstance start() throws IOException, InterruptedException {
        if (isRunning()) {
            throw new IllegalStateException("NiFi is already running (pid " + process.pid() + ")");
        }
        assertPortFree();
        final List<String> command = command();
        appendToLog(System.lineSeparator() + "==== " + Instant.now() + " starting NiFi: " + String.join(" ", command)
                + System.lineSeparator());
        logOffsetAtStart = Files.size(logFile);
        final ProcessBuilder processBuilder = new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        final Map<String, String> environment = processBuilder.environment();
        environment.put("DJL_OFFLINE", "true");
        environment.put("OPT_OUT_TRACKING", "true");
        environment.put("DJL_CACHE_DIR", djlCacheDirectory.toString());
        environment.remove("JAVA_TOOL_OPTIONS");
        environment.remove("JDK_JAVA_OPTIONS");
        final long started = System.nanoTime();
        process = processBuilder.start();
        if (detached) {
            Files.createDirectories(pidFile().getParent());
            Files.writeString(pidFile(), Long.toString(process.pid()), StandardCharsets.UTF_8);
        } else if (!hookRegistered) {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            hookRegistered = true;
        }
        try {
            awaitReady(started);
        } catch (final IOException | RuntimeException | Error e) {
            destroyNow();
            throw e;
        }
        lastStartupTime = Duration.ofNanos(System.nanoTime() - started);
        return this;
    }

    /** Stops NiFi: SIGTERM (NiFi's own shutdown hook stops the flow and repositories), then a forced kill. */
    public synchronized void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(stopGracePeriod.toMillis(), TimeUnit.MILLISECONDS)) {
                appendToLogQuietly("==== NiFi did not stop within " + stopGracePeriod + ": killing it");
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }
        appendToLogQuietly("==== " + Instant.now() + " NiFi stopped, exit value " + exitValueOrUnknown());
        process = null;
    }

    /**
     * Kills NiFi at once with SIGKILL ({@link Process#destroyForcibly()}), as a crash or an out-of-memory killer would: no
     * shutdown hook runs, the repositories are left as they were at that instant. Waits until the process is gone.
     * NiFi is started directly as {@code java ... org.apache.nifi.NiFi} (no bootstrap or shell wrapper), so the process
     * killed is NiFi's JVM itself. {@link #start()} starts it again on the same home and ports.
     *
     * @return whether a running NiFi was killed
     */
    public synchronized boolean kill() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return false;
        }
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("NiFi (pid " + process.pid() + ") is still alive 30 s after SIGKILL");
        }
        appendToLogQuietly("==== " + Instant.now() + " NiFi killed (SIGKILL), exit value " + exitValueOrUnknown());
        return true;
    }

    /** Stops NiFi and starts it again on the same home and port, keeping the flow and the repositories. */
    public synchronized NiFiInstance restart() throws IOException, InterruptedException {
        stop();
        return start();
    }

    /** Stops NiFi if it runs (killing it at once if interrupted meanwhile) and removes the shutdown hook. */
    @Override
    public synchronized void close() {
        try {
            stop();
        } catch (final InterruptedException e) {
            destroyNow();
            Thread.currentThread().interrupt();
        } finally {
            if (hookRegistered) {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (final IllegalStateException alreadyShuttingDown) {
                    // the hook is running or about to: it stops NiFi itself
                }
                hookRegistered = false;
            }
        }
    }

    /** A client for this instance's REST API. */
    /** Where a detached instance writes its process id: {@code <home>/run/nifi.pid}. */
    public Path pidFile() {
        return home.resolve("run").resolve("nifi.pid");
    }

    /**
     * Stops the NiFi a detached instance left running in {@code home}, by the pid in its pid file: SIGTERM, then a forced
     * kill after {@code grace}.
     *
     * @return true when a running NiFi was stopped
     */
    public static boolean stopDetached(final Path home, final Duration grace) throws IOException, InterruptedException {
        final Path pidFile = home.resolve("run").resolve("nifi.pid");
        if (!Files.exists(pidFile)) {
            return false;
        }
        final long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).strip());
        Files.delete(pidFile);
        final java.util.Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return false;
        }
        handle.get().destroy();
        try {
            handle.get().onExit().get(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            handle.get().destroyForcibly();
        }
        return true;
    }

    /** A detached NiFi running from a home: its process id and HTTP port. */
    public record Detached(long pid, int port) {

        public NiFiClient client() {
            return new NiFiClient(URI.create("http://127.0.0.1:" + port + "/nifi-api"));
        }
    }

    /** The NiFi a detached instance left running in {@code home}, if its process is alive. */
    public static java.util.Optional<Detached> runningDetached(final Path home) throws IOException {
        final Path pidFile = home.resolve("run").resolve("nifi.pid");
        if (!Files.exists(pidFile)) {
            return java.util.Optional.empty();
        }
        final long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).strip());
        if (ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Detached(pid, Integer.parseInt(properties(home).getProperty("nifi.web.http.port", "0"))));
    }

    /** Whether {@code home} holds a flow from an earlier start. */
    public static boolean hasFlow(final Path home) {
        return Files.exists(home.resolve("conf").resolve("flow.json.gz"));
    }

    private static Properties properties(final Path home) throws IOException {
        final Properties properties = new Properties();
        final Path file = home.resolve("conf").resolve("nifi.properties");
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                properties.load(in);
            }
        }
        return properties;
    }

    private static boolean isFree(final int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (final IOException e) {
            return false;
        }
    }

    public NiFiClient client() {
        return new NiFiClient(apiUri());
    }

    /** {@code http://127.0.0.1:<port>/nifi-api}. */
    public URI apiUri() {
        return URI.create("http://127.0.0.1:" + port + "/nifi-api");
    }

    public int port() {
        return port;
    }

    /** What makes this instance a cluster node, or null for a standalone NiFi. */
    public ClusterNodeSettings clusterNode() {
        return clusterNode;
    }

    public Path home() {
        return home;
    }

    /** The file NiFi's console output (all of its logging) goes to; restarts append to it. */
    public Path logFile() {
        return logFile;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The NiFi process's id. */
    public synchronized long pid() {
        if (!isRunning()) {
            throw new IllegalStateException("NiFi is not running");
        }
        return process.pid();
    }

    /** How long the last {@link #start()} took until the REST API answered. */
    public Duration lastStartupTime() {
        if (lastStartupTime == null) {
            throw new IllegalStateException("NiFi has not started yet");
        }
        return lastStartupTime;
    }

    /** The NiFi process's resident set size in bytes, from {@code /proc/<pid>/status}. */
    public long residentSetSizeBytes() throws IOException {
        return procStatusBytes("VmRSS:");
    }

    /** The NiFi process's peak resident set size since it started (the kernel's high-water mark, VmHWM), in bytes. */
    public long peakResidentSetSizeBytes() throws IOException {
        return procStatusBytes("VmHWM:");
    }

    private long procStatusBytes(final String field) throws IOException {
        for (final String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
            if (line.startsWith(field)) {
                final String[] fields = line.trim().split("\\s+");
                return Long.parseLong(fields[1]) * 1024L;
            }
        }
        throw new IOException("No " + field + " in /proc/" + pid() + "/status");
    }

    /** The NiFi process's TCP sockets now (from {@code /proc}): what it listens on and talks to. */
    public List<TcpSockets.Socket> tcpSockets() throws IOException {
        return TcpSockets.ofProcess(pid());
    }

    /** What NiFi logged since the last start (the whole log file since then). */
    public String logSinceStart() throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
            final long length = file.length() - logOffsetAtStart;
            if (length > Integer.MAX_VALUE - 16) {
                throw new IOException("The log since the start is too large to read at once: " + length + " bytes");
            }
            final byte[] bytes = new byte[(int) Math.max(0, length)];
            file.seek(logOffsetAtStart);
            file.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** The last lines NiFi logged since the last start. */
    public String logTail(final int lines) {
        try {
            final List<String> all = logSinceStart().lines().toList();
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (final IOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
    }

    private List<String> command() {
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.add("-Xms" + heap);
        command.add("-Xmx" + heap);
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Djava.awt.headless=true");
        command.add("-Djava.net.preferIPv4Stack=true");
        command.add("-Dai.djl.offline=true");
        command.add("-DDJL_CACHE_DIR=" + djlCacheDirectory);
        command.add("-Dsun.net.http.allowRestrictedHeaders=true");
        command.add("-Djava.protocol.handler.pkgs=sun.net.www.protocol");
        command.add("-Dnifi.properties.file.path=conf/nifi.properties");
        // NiFi's management server defaults to 127.0.0.1:52020: a free port keeps several instances (and other
        // NiFis on the machine) from colliding
        command.add("-Dorg.apache.nifi.management.server.address=127.0.0.1:" + managementPort);
        // the embedded ZooKeeper would otherwise start its admin server (Jetty) on 8080
        command.add("-Dzookeeper.admin.enableServer=false");
        command.addAll(javaArguments);
        command.add("-cp");
        command.add("conf:lib/*");
        command.add("org.apache.nifi.NiFi");
        return command;
    }

    private void awaitReady(final long startedNanos) throws IOException, InterruptedException {
        final URI about = URI.create(apiUri() + "/flow/about");
        final long deadline = startedNanos + startTimeout.toNanos();
        String lastProblem = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("NiFi exited during start-up with exit value " + process.exitValue()
                        + "; the end of its log (" + logFile + "):" + System.lineSeparator() + logTail(LOG_TAIL_LINES));
            }
            try {
                final HttpResponse<String> response = httpClient.send(
                        HttpRequest.newBuilder(about).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                lastProblem = "HTTP " + response.statusCode() + ": " + abbreviate(response.body());
            } catch (final IOException notListeningYet) {
                lastProblem = notListeningYet.toString();
            }
            Thread.sleep(500);
        }
        throw new IOException("NiFi did not answer " + about + " within " + startTimeout + " (last: " + lastProblem
                + "); the end of its log (" + logFile + "):" + System.lineSeparator() + logTail(LOG_TAIL_LINES));
    }

    private void writeConfiguration(final String sensitivePropertiesKey) throws IOException {
        final Path conf = home.resolve("conf");
        Files.createDirectories(conf);
        final Map<String, String> values = placeholders(sensitivePropertiesKey);
        final List<String> files = new ArrayList<>(CONF_FILES);
        if (clusterNode != null && clusterNode.embedsZooKeeper()) {
            files.add(ZOOKEEPER_CONF_FILE);
        }
        for (final String file : files) {
            String text = readTemplate(file);
            for (final Map.Entry<String, String> value : values.entrySet()) {
                text = text.replace("${" + value.getKey() + "}", value.getValue());
            }
            Files.writeString(conf.resolve(file), text, StandardCharsets.UTF_8);
        }
    }

    /** The templates' placeholders: a standalone NiFi gets NiFi's own defaults (cluster off), a cluster node its settings. */
    private Map<String, String> placeholders(final String sensitivePropertiesKey) {
        final Map<String, String> values = new java.util.LinkedHashMap<>();
        values.put("http.port", Integer.toString(port));
        values.put("sensitive.props.key", sensitivePropertiesKey);
        values.put("test.extensions", testExtensions ? "nifi.nar.library.directory.test=./test-extensions" : "");
        final boolean clustered = clusterNode != null;
        values.put("cluster.is.node", Boolean.toString(clustered));
        values.put("cluster.node.address", clustered ? "127.0.0.1" : "");
        values.put("cluster.node.protocol.port", clustered ? Integer.toString(clusterNode.protocolPort()) : "");
        values.put("cluster.node.count", clustered ? Integer.toString(clusterNode.expectedNodes()) : "");
        values.put("cluster.flow.election.wait", clustered ? clusterNode.flowElectionWait().toSeconds() + " secs" : "5 mins");
        values.put("cluster.load.balance.host", clustered ? "127.0.0.1" : "");
        values.put("cluster.load.balance.port", clustered ? Integer.toString(clusterNode.loadBalancePort()) : "");
        values.put("cluster.state.provider", clustered ? "zk-provider" : "");
        values.put("cluster.state.provider.xml", clustered ? ZOOKEEPER_STATE_PROVIDER.formatted(clusterNode.zooKeeperConnectString()) : "");
        values.put("zookeeper.connect.string", clustered ? clusterNode.zooKeeperConnectString() : "");
        values.put("zookeeper.embedded", Boolean.toString(clustered && clusterNode.embedsZooKeeper()));
        values.put("zookeeper.client.port", clustered ? Integer.toString(clusterNode.zooKeeperPort()) : "");
        return values;
    }

    private static String readTemplate(final String file) throws IOException {
        try (InputStream in = NiFiInstance.class.getResourceAsStream(CONF_TEMPLATES + file)) {
            if (in == null) {
                throw new IOException("Missing test resource " + CONF_TEMPLATES + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private void assertPortFree() throws IOException {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
        } catch (final IOException e) {
            throw new IOException("Port " + port + " on 127.0.0.1 is taken; is another NiFi still running?", e);
        }
    }

    private void destroyNow() {
        final Process current = process;
        if (current != null && current.isAlive()) {
            current.destroy();
            try {
                if (!current.waitFor(stopGracePeriod.toMillis(), TimeUnit.MILLISECONDS)) {
                    current.destroyForcibly();
                    current.waitFor(30, TimeUnit.SECONDS);
                }
            } catch (final InterruptedException e) {
                current.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private String exitValueOrUnknown() {
        try {
            return Integer.toString(process.exitValue());
        } catch (final IllegalThreadStateException stillRunning) {
            return "unknown (still running)";
        }
    }

    private void appendToLog(final String text) throws IOException {
        Files.writeString(logFile, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private void appendToLogQuietly(final String line) {
        try {
            appendToLog(line + System.lineSeparator());
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void requireDirectory(final Path directory, final String what) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IOException("Missing " + what + ": " + directory);
        }
    }

    private static void deleteRecursively(final Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (final Path each : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(each);
            }
        }
    }

    private static String abbreviate(final String text) {
        final String oneLine = text.replaceAll("\\s+", " ").trim();
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
    }

    /** Configures a {@link NiFiInstance}; {@link #build()} writes the conf, {@link #start()} builds and starts. */
    public static final class Builder {
        private Path home;
        private Path logDirectory;
        private String name = "nifi";
        private int port;
        private boolean fresh = true;
        private boolean detached;
        private String heap = "1g";
        private final List<String> javaArguments = new ArrayList<>();
        private Duration startTimeout = Duration.ofMinutes(3);
        private Duration stopGracePeriod = Duration.ofSeconds(60);
        private String sensitivePropertiesKey = "nifi-transfer-e2e-" + UUID.randomUUID();
        private Path djlCacheDirectory = defaultDjlCacheDirectory();
        private boolean testExtensions;
        private ClusterNodeSettings clusterNode;

        private Builder(final Path home, final Path logDirectory) {
            this.home = Objects.requireNonNull(home);
            this.logDirectory = Objects.requireNonNull(logDirectory);
        }

        /** The NiFi home (by default the one Maven prepared); it needs {@code lib/} and {@code extensions/}. */
        public Builder home(final Path home) {
            this.home = Objects.requireNonNull(home);
            return this;
        }

        Path home() {
            return home;
        }

        /** The log file's name (without {@code .log}) under the log directory, e.g. the test class's simple name. */
        public Builder name(final String name) {
            this.name = Objects.requireNonNull(name);
            return this;
        }

        public Builder logDirectory(final Path logDirectory) {
            this.logDirectory = Objects.requireNonNull(logDirectory);
            return this;
        }

        /** The HTTP port on 127.0.0.1; by default a free one chosen now. */
        public Builder port(final int port) {
            this.port = port;
            return this;
        }

        /** Whether to remove the flow, repositories and state left in the home before the first start (default true). */
        public Builder fresh(final boolean fresh) {
            this.fresh = fresh;
            return this;
        }

        /**
         * Detached: NiFi keeps running when this JVM exits (no shutdown hook), and its pid is written to
         * {@code <home>/run/nifi.pid} for {@link NiFiInstance#stopDetached(Path, Duration)}. For the main job, not tests.
         */
        public Builder detached(final boolean value) {
            this.detached = value;
            return this;
        }

        /** NiFi's heap, as in {@code -Xmx} (default {@code 1g}, NiFi's own default). */
        public Builder heap(final String heap) {
            this.heap = Objects.requireNonNull(heap);
            return this;
        }

        /** More JVM arguments for NiFi's JVM, e.g. GC logging for a benchmark. */
        public Builder javaArgument(final String argument) {
            this.javaArguments.add(Objects.requireNonNull(argument));
            return this;
        }

        public Builder startTimeout(final Duration startTimeout) {
            this.startTimeout = Objects.requireNonNull(startTimeout);
            return this;
        }

        public Builder stopGracePeriod(final Duration stopGracePeriod) {
            this.stopGracePeriod = Objects.requireNonNull(stopGracePeriod);
            return this;
        }

        public Builder sensitivePropertiesKey(final String key) {
            if (key.length() < 12) {
                throw new IllegalArgumentException("NiFi needs a sensitive properties key of at least 12 characters");
            }
            this.sensitivePropertiesKey = key;
            return this;
        }

        /** Where DJL's natives are extracted; by default $DJL_CACHE_DIR or ~/.djl.ai, so extracted natives are reused. */
        public Builder djlCacheDirectory(final Path directory) {
            this.djlCacheDirectory = Objects.requireNonNull(directory);
            return this;
        }

        /**
         * Whether NiFi also loads the test-only NAR in the home's {@code test-extensions/} (processors standing in for NiFi's
         * standard ones, which this NiFi lacks); default false, as for {@code ./run.sh}.
         */
        public Builder testExtensions(final boolean value) {
            this.testExtensions = value;
            return this;
        }

        /** Makes this NiFi a node of a cluster (see {@link NiFiCluster}); by default it is standalone. */
        public Builder clusterNode(final ClusterNodeSettings settings) {
            this.clusterNode = Objects.requireNonNull(settings);
            return this;
        }

        /** Writes the conf into the home (cleaning it first when fresh); does not start NiFi. */
        public NiFiInstance build() throws IOException {
            return new NiFiInstance(this);
        }

        /** Builds and starts; stops NiFi again if the start fails. */
        public NiFiInstance start() throws IOException, InterruptedException {
            final NiFiInstance instance = build();
            try {
                return instance.start();
            } catch (final IOException | InterruptedException | RuntimeException e) {
                instance.close();
                throw e;
            }
        }

        private static Path defaultDjlCacheDirectory() {
            final String fromEnvironment = System.getenv("DJL_CACHE_DIR");
            if (fromEnvironment != null && !fromEnvironment.isBlank()) {
                return Path.of(fromEnvironment);
            }
            return Path.of(System.getProperty("user.home"), ".djl.ai");
        }
    }
}
