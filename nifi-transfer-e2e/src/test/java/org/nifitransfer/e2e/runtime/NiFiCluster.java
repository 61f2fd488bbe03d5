package org.nifitransfer.e2e.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.nifitransfer.e2e.runtime.NiFiClient.ClusterNode;
import org.nifitransfer.e2e.runtime.NiFiClient.ClusterSummary;

/**
 * A real NiFi 2.3.0 cluster of N nodes on 127.0.0.1, each a {@link NiFiInstance} (a child process) with a home of its
 * own under {@code target/nifi-cluster/node1..N}, made from the NiFi home that Maven lays out: {@code lib/},
 * {@code extensions/} and {@code test-extensions/} are symbolic links to {@code target/nifi-home}'s, while {@code conf/},
 * the repositories, {@code state/}, {@code work/} (unpacked NARs) and DJL's cache ({@code work/djl}) are the node's own.
 *
 * <p>Node 1 runs NiFi's embedded ZooKeeper (standalone, on a free port of 127.0.0.1), which elects the cluster
 * coordinator and the primary node and holds cluster state; every node talks to it. All nodes share one sensitive
 * properties key; every port (HTTP, cluster protocol, load balancing, ZooKeeper) is a free port chosen at
 * {@link Builder#build()}. Everything listens on 127.0.0.1 except the cluster protocol port, which NiFi 2.3.0 binds to
 * all interfaces (no setting changes that). The nodes start in parallel: the first flow election ends when all N have
 * voted (or after {@link Builder#flowElectionWait(Duration)}), and a node's REST API answers before it has joined, so
 * {@link #start()} waits for the cluster itself. Measured here (2 cores): 38–55 s from launch to 3 nodes connected,
 * 650–950 MB resident per node with a 1 GB heap.
 *
 * <p>What NiFi 2.3.0 does when a node dies (measured with {@link #kill(int)}, see {@code NiFiClusterIT}): the other
 * nodes keep working; the coordinator marks the dead node {@code DISCONNECTED} ("Lack of Heartbeat") once it has missed
 * 5 heartbeats (interval 2 s here, about 10–11 s in all; NiFi's default is 8 × 5 s); until then it still lists it as
 * {@code CONNECTED}. {@code /flow/cluster/summary} then reports N-1 of N connected, and status counts only the
 * connected nodes' flowfiles. The node keeps its id across a restart, so {@link #restart(int)} brings back the same node
 * (no stale entry to remove): its connection request makes it {@code CONNECTING}, the coordinator sends it the
 * cluster's flow, and it is {@code CONNECTED} again 11–20 s after the restart. Its queued flowfiles come back from its
 * own flowfile repository (a ROUND_ROBIN connection then spreads them over the nodes anew). Killing node 1 takes
 * ZooKeeper down with it, and with it coordinator and primary elections and cluster state, until node 1 is back: kill
 * another node unless that is what a test is about.
 *
 * <pre>{@code
 * try (NiFiCluster cluster = NiFiCluster.builder().name("MyIT").nodes(3).testExtensions(true).build()) {
 *     cluster.start();                          // all 3 CONNECTED, one primary, one coordinator
 *     NiFiClient client = cluster.client();     // any connected node; changes are replicated to all
 *     ...
 *     cluster.kill(2);                          // SIGKILL node 2's JVM
 *     cluster.awaitNodeStatus(2, "DISCONNECTED", Duration.ofSeconds(60));
 *     cluster.restart(2);                       // same home and ports; back to CONNECTED
 * }
 * }</pre>
 */
public final class NiFiCluster implements AutoCloseable {

    /** The node that runs the embedded ZooKeeper. */
    public static final int ZOOKEEPER_NODE = 1;

    private static final Duration POLL_INTERVAL = Duration.ofMillis(500);

    private final List<NiFiInstance> nodes;
    private final Duration startTimeout;
    private final boolean parallelStart;
    private Duration lastStartupTime;

    private NiFiCluster(final List<NiFiInstance> nodes, final Duration startTimeout, final boolean parallelStart) {
        this.nodes = List.copyOf(nodes);
        this.startTimeout = startTimeout;
        this.parallelStart = parallelStart;
    }

    /** A builder for a cluster made from the NiFi home named by {@value NiFiInstance#HOME_PROPERTY} (failsafe sets it). */
    public static Builder builder() {
        return new Builder(NiFiInstance.builder().home());
    }

    /**
     * Starts every node (in parallel unless {@link Builder#parallelStart(boolean)} says otherwise) and returns once
     * {@code /flow/cluster/summary} reports all N nodes connected and a primary node and a coordinator are elected.
     * Stops every node again if that does not happen within the start timeout.
     */
    public NiFiCluster start() throws IOException, InterruptedException {
        final long started = System.nanoTime();
        try {
            if (parallelStart) {
                startInParallel();
            } else {
                for (final NiFiInstance node : nodes) {
                    node.start();
                }
            }
            awaitFormed(startTimeout.minusNanos(System.nanoTime() - started));
        } catch (final IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
        lastStartupTime = Duration.ofNanos(System.nanoTime() - started);
        return this;
    }

    private void startInParallel() throws IOException, InterruptedException {
        final ExecutorService executor = Executors.newFixedThreadPool(nodes.size());
        try {
            final List<Future<NiFiInstance>> starts = new ArrayList<>();
            for (final NiFiInstance node : nodes) {
                starts.add(executor.submit(node::start));
            }
            for (final Future<NiFiInstance> start : starts) {
                try {
                    start.get();
                } catch (final ExecutionException e) {
                    if (e.getCause() instanceof IOException io) {
                        throw io;
                    }
                    throw new IOException("A cluster node failed to start", e.getCause());
                }
            }
        } finally {
            executor.shutdownNow();
        }
    }

    /** How long the last {@link #start()} took until the cluster was formed. */
    public Duration lastStartupTime() {
        if (lastStartupTime == null) {
            throw new IllegalStateException("The cluster has not started yet");
        }
        return lastStartupTime;
    }

    /** The number of nodes. */
    public int size() {
        return nodes.size();
    }

    /** Node {@code index}, counted from 1 as NiFi's documentation and the node homes do. */
    public NiFiInstance node(final int index) {
        if (index < 1 || index > nodes.size()) {
            throw new IllegalArgumentException("No node " + index + "; nodes are 1.." + nodes.size());
        }
        return nodes.get(index - 1);
    }

    /**
     * A client on a running node that reports itself connected to the cluster (the lowest-numbered one). REST changes
     * made through it are replicated to every connected node, and queries (status, provenance, queue listings) are
     * merged from all of them.
     */
    public NiFiClient client() throws IOException, InterruptedException {
        IOException last = null;
        for (final NiFiInstance node : nodes) {
            if (!node.isRunning()) {
                continue;
            }
            try {
                if (node.client().clusterSummary().connectedToCluster()) {
                    return node.client();
                }
            } catch (final IOException e) {
                last = e;
            }
        }
        throw new IOException("No node of the cluster is running and connected: " + describe(), last);
    }

    /** The nodes as the cluster coordinator sees them ({@code GET /controller/cluster} on a connected node). */
    public List<ClusterNode> nodes() throws IOException, InterruptedException {
        return client().clusterNodes();
    }

    /** How the cluster sees node {@code index} (matched by HTTP port), if it knows it. */
    public java.util.Optional<ClusterNode> clusterNode(final int index) throws IOException, InterruptedException {
        final int port = node(index).port();
        return nodes().stream().filter(node -> node.apiPort() == port).findFirst();
    }

    /** The index (1..N) of the node the cluster reports as {@code node}, by its HTTP port. */
    public int indexOf(final ClusterNode node) {
        for (int index = 1; index <= nodes.size(); index++) {
            if (node(index).port() == node.apiPort()) {
                return index;
            }
        }
        throw new IllegalArgumentException("Not a node of this cluster: " + node);
    }

    /** The index of the node that holds {@code role} ({@link ClusterNode#PRIMARY_NODE} or {@link ClusterNode#CLUSTER_COORDINATOR}). */
    public int nodeWithRole(final String role) throws IOException, InterruptedException {
        return indexOf(nodes().stream().filter(node -> node.roles().contains(role)).findFirst()
                .orElseThrow(() -> new IllegalStateException("No node has the role " + role)));
    }

    /**
     * SIGKILLs node {@code index}'s JVM ({@link NiFiInstance#kill()}) and returns once the process is gone. The cluster
     * notices only when the node misses its heartbeats: wait with {@link #awaitNodeStatus(int, String, Duration)}.
     * Killing node {@value #ZOOKEEPER_NODE} kills ZooKeeper too.
     */
    public void kill(final int index) throws InterruptedException {
        if (!node(index).kill()) {
            throw new IllegalStateException("Node " + index + " is not running");
        }
    }

    /**
     * Starts node {@code index} again (after {@link #kill(int)} or a stop; a running node is stopped first) on the same
     * home and ports, and returns once the cluster reports it {@code CONNECTED} and all N nodes connected. Whether the
     * cluster still listed the node as {@code CONNECTED} (a restart within the heartbeat window) or had marked it
     * {@code DISCONNECTED}, the node's connection request brings it back under its old id.
     */
    public void restart(final int index) throws IOException, InterruptedException {
        final NiFiInstance node = node(index);
        final long started = System.nanoTime();
        if (node.isRunning()) {
            node.stop();
        }
        node.start();
        awaitFormed(startTimeout.minusNanos(System.nanoTime() - started));
    }

    /** Waits until the cluster reports node {@code index} in {@code status} (e.g. {@code DISCONNECTED}); returns how it saw it. */
    public ClusterNode awaitNodeStatus(final int index, final String status, final Duration timeout)
            throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (true) {
            try {
                final java.util.Optional<ClusterNode> node = clusterNode(index);
                if (node.isPresent() && status.equals(node.get().status())) {
                    return node.get();
                }
                last = node.map(ClusterNode::toString).orElse("node " + index + " unknown to the cluster");
            } catch (final IOException e) {
                last = e.toString();
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("Node " + index + " was not " + status + " within " + timeout + "; last: " + last);
            }
            Thread.sleep(POLL_INTERVAL.toMillis());
        }
    }

    /**
     * Waits until a running node reports all N nodes connected ({@code connectedNodeCount == totalNodeCount == N}), each
     * of them {@code CONNECTED} in {@code /controller/cluster}, with exactly one primary node and one coordinator.
     */
    public List<ClusterNode> awaitFormed(final Duration timeout) throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        final int expected = nodes.size();
        String last = "no answer";
        while (true) {
            try {
                final NiFiClient client = client();
                final ClusterSummary summary = client.clusterSummary();
                if (summary.connectedNodeCount() == expected && summary.totalNodeCount() == expected) {
                    final List<ClusterNode> clusterNodes = client.clusterNodes();
                    if (clusterNodes.size() == expected && clusterNodes.stream().allMatch(ClusterNode::isConnected)
                            && clusterNodes.stream().filter(ClusterNode::isPrimary).count() == 1
                            && clusterNodes.stream().filter(ClusterNode::isCoordinator).count() == 1) {
                        return clusterNodes;
                    }
                    last = clusterNodes.toString();
                } else {
                    last = summary.toString();
                }
            } catch (final IOException e) {
                last = e.toString();
            }
            for (final NiFiInstance node : nodes) {
                if (!node.isRunning()) {
                    throw new IOException("Node " + (nodes.indexOf(node) + 1) + " is not running, so the cluster cannot form: "
                            + node.logFile() + System.lineSeparator() + node.logTail(60));
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("The cluster did not form (" + expected + " nodes connected, a primary node and a "
                        + "coordinator) within " + timeout + "; last: " + last + System.lineSeparator() + describe());
            }
            Thread.sleep(POLL_INTERVAL.toMillis());
        }
    }

    /** Stops every node (in parallel: each stop waits for NiFi's graceful shutdown). */
    @Override
    public void close() {
        final List<Thread> stops = new ArrayList<>();
        for (final NiFiInstance node : nodes) {
            stops.add(Thread.ofPlatform().start(node::close));
        }
        boolean interrupted = false;
        for (final Thread stop : stops) {
            try {
                stop.join();
            } catch (final InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private String describe() {
        final StringBuilder text = new StringBuilder();
        for (int index = 1; index <= nodes.size(); index++) {
            final NiFiInstance node = node(index);
            text.append(System.lineSeparator()).append("node ").append(index).append(": port ").append(node.port())
                    .append(node.isRunning() ? ", running" : ", not running").append(", log ").append(node.logFile());
        }
        return text.toString();
    }

    /** Configures a {@link NiFiCluster}; {@link #build()} lays out the node homes and writes their conf. */
    public static final class Builder {
        private final Path nifiHome;
        private Path directory;
        private String name = "cluster";
        private int nodeCount = 3;
        private String heap = "1g";
        private boolean testExtensions;
        private boolean fresh = true;
        private boolean parallelStart = true;
        private Duration startTimeout = Duration.ofMinutes(4);
        private Duration flowElectionWait = Duration.ofMinutes(2);
        private final List<String> javaArguments = new ArrayList<>();

        private Builder(final Path nifiHome) {
            this.nifiHome = nifiHome.toAbsolutePath().normalize();
            this.directory = this.nifiHome.resolveSibling("nifi-cluster");
        }

        /** The log files' prefix: node {@code i} logs to {@code <name>-node<i>.log} in the NiFi log directory. */
        public Builder name(final String name) {
            this.name = Objects.requireNonNull(name);
            return this;
        }

        /** The number of nodes (default 3). */
        public Builder nodes(final int count) {
            if (count < 1) {
                throw new IllegalArgumentException("A cluster has at least one node, not " + count);
            }
            this.nodeCount = count;
            return this;
        }

        /** Where the node homes go (default {@code target/nifi-cluster}, beside the NiFi home). */
        public Builder directory(final Path directory) {
            this.directory = Objects.requireNonNull(directory).toAbsolutePath().normalize();
            return this;
        }

        /** Each node's heap, as in {@code -Xmx} (default {@code 1g}). */
        public Builder heap(final String heap) {
            this.heap = Objects.requireNonNull(heap);
            return this;
        }

        /** Whether the nodes also load the test-only NAR ({@link NiFiInstance.Builder#testExtensions(boolean)}). */
        public Builder testExtensions(final boolean value) {
            this.testExtensions = value;
            return this;
        }

        /** Whether to clear the flow, repositories and state a previous cluster left in the node homes (default true). */
        public Builder fresh(final boolean value) {
            this.fresh = value;
            return this;
        }

        /** Whether {@link NiFiCluster#start()} starts the nodes at once (default) or one after another. */
        public Builder parallelStart(final boolean value) {
            this.parallelStart = value;
            return this;
        }

        /** How long a start (and a node's restart) may take until the cluster is formed (default 4 minutes). */
        public Builder startTimeout(final Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** The longest the first flow election waits for all nodes to vote (default 2 minutes; it ends once all have). */
        public Builder flowElectionWait(final Duration wait) {
            this.flowElectionWait = Objects.requireNonNull(wait);
            return this;
        }

        /** One more JVM argument for every node. */
        public Builder javaArgument(final String argument) {
            this.javaArguments.add(Objects.requireNonNull(argument));
            return this;
        }

        /** Lays out the node homes, chooses the ports and writes each node's conf; starts nothing. */
        public NiFiCluster build() throws IOException {
            final Set<Integer> taken = new HashSet<>();
            final int zooKeeperPort = freeLoopbackPort(taken);
            final String sensitivePropertiesKey = "nifi-transfer-cluster-" + UUID.randomUUID();
            final List<NiFiInstance> instances = new ArrayList<>();
            for (int index = 1; index <= nodeCount; index++) {
                final Path home = layOutNodeHome(index);
                final ClusterNodeSettings settings = new ClusterNodeSettings(freeLoopbackPort(taken), freeLoopbackPort(taken),
                        zooKeeperPort, index == ZOOKEEPER_NODE, nodeCount, flowElectionWait);
                final NiFiInstance.Builder node = NiFiInstance.builder()
                        .home(home)
                        .name(name + "-node" + index)
                        .port(freeLoopbackPort(taken))
                        .fresh(fresh)
                        .heap(heap)
                        .testExtensions(testExtensions)
                        .startTimeout(startTimeout)
                        .sensitivePropertiesKey(sensitivePropertiesKey)
                        .djlCacheDirectory(home.resolve("work").resolve("djl"))
                        .clusterNode(settings);
                javaArguments.forEach(node::javaArgument);
                instances.add(node.build());
            }
            return new NiFiCluster(instances, startTimeout, parallelStart);
        }

        /** {@code <directory>/node<i>} with {@code lib/}, {@code extensions/}, {@code test-extensions/} linked to the NiFi home's. */
        private Path layOutNodeHome(final int index) throws IOException {
            final Path home = Files.createDirectories(directory.resolve("node" + index));
            for (final String shared : List.of("lib", "extensions", "test-extensions")) {
                final Path target = nifiHome.resolve(shared);
                final Path link = home.resolve(shared);
                if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(target)) {
                    continue;
                }
                if (Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.delete(link);
                }
                if (Files.isDirectory(target)) {
                    Files.createSymbolicLink(link, target);
                }
            }
            return home;
        }

        private static int freeLoopbackPort(final Set<Integer> taken) throws IOException {
            while (true) {
                try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    if (taken.add(socket.getLocalPort())) {
                        return socket.getLocalPort();
                    }
                }
            }
        }
    }
}
