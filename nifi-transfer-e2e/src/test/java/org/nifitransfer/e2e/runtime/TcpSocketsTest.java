package org.nifitransfer.e2e.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reads this test JVM's own sockets back from /proc, so the loopback check NiFiRuntimeIT relies on can fail. */
class TcpSocketsTest {

    @Test
    void tellsLoopbackFromWildcardListeners() throws IOException {
        try (ServerSocket loopback = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ServerSocket wildcard = new ServerSocket()) {
            wildcard.bind(new InetSocketAddress(0));
            final List<TcpSockets.Socket> sockets = TcpSockets.ofProcess(ProcessHandle.current().pid());

            final TcpSockets.Socket onLoopback = find(sockets, loopback.getLocalPort());
            assertTrue(onLoopback.isListening(), onLoopback.toString());
            assertTrue(onLoopback.isLoopbackOnly(), onLoopback.toString());

            final TcpSockets.Socket onAll = find(sockets, wildcard.getLocalPort());
            assertTrue(onAll.isListening(), onAll.toString());
            assertFalse(onAll.isLoopbackOnly(), "a socket listening on every interface: " + onAll);
        }
    }

    @Test
    void seesBothEndsOfALoopbackConnection() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket accepted = server.accept()) {
            final List<TcpSockets.Socket> connected = TcpSockets.ofProcess(ProcessHandle.current().pid()).stream()
                    .filter(s -> s.remotePort() == server.getLocalPort() && s.localPort() == client.getLocalPort())
                    .toList();
            assertEquals(1, connected.size(), connected.toString());
            assertFalse(connected.getFirst().isListening());
            assertTrue(connected.getFirst().isLoopbackOnly(), connected.toString());
            assertTrue(accepted.isConnected());
        }
    }

    private static TcpSockets.Socket find(final List<TcpSockets.Socket> sockets, final int port) {
        return sockets.stream().filter(s -> s.localPort() == port).findFirst()
                .orElseThrow(() -> new AssertionError("no socket on port " + port + " in " + sockets));
    }
}
