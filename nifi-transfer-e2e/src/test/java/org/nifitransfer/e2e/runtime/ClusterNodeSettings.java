package org.nifitransfer.e2e.runtime;

import java.time.Duration;
import java.util.Objects;

/**
 * What makes a {@link NiFiInstance} a node of a cluster ({@link NiFiInstance.Builder#clusterNode(ClusterNodeSettings)}):
 * the ports it listens on besides HTTP, where ZooKeeper is, whether this node runs it, and how many nodes the first flow
 * election waits for. All addresses are 127.0.0.1. {@link NiFiCluster} makes one per node.
 *
 * @param protocolPort the cluster protocol port (heartbeats, connection requests, replication); NiFi refuses 0
 * @param loadBalancePort the port load-balanced connections send flowfiles to (NiFi's default 6342 would collide)
 * @param zooKeeperPort the client port of the ZooKeeper that elects the coordinator and the primary node and holds
 *                      cluster state
 * @param embedsZooKeeper whether this node runs that ZooKeeper itself (NiFi 2.3.0's embedded ZooKeeper, standalone,
 *                        on 127.0.0.1:{@code zooKeeperPort}); exactly one node of a cluster does
 * @param expectedNodes how many nodes the first flow election waits for ({@code nifi.cluster.flow.election.max.candidates})
 * @param flowElectionWait the longest the flow election waits for them ({@code nifi.cluster.flow.election.max.wait.time})
 */
public record ClusterNodeSettings(int protocolPort, int loadBalancePort, int zooKeeperPort, boolean embedsZooKeeper,
                                  int expectedNodes, Duration flowElectionWait) {

    public ClusterNodeSettings {
        requirePort(protocolPort, "protocol port");
        requirePort(loadBalancePort, "load-balance port");
        requirePort(zooKeeperPort, "ZooKeeper port");
        if (expectedNodes < 1) {
            throw new IllegalArgumentException("A cluster has at least one node, not " + expectedNodes);
        }
        Objects.requireNonNull(flowElectionWait);
    }

    /** {@code 127.0.0.1:<zooKeeperPort>}. */
    public String zooKeeperConnectString() {
        return "127.0.0.1:" + zooKeeperPort;
    }

    private static void requirePort(final int port, final String what) {
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("The " + what + " must be a real port, not " + port);
        }
    }
}
