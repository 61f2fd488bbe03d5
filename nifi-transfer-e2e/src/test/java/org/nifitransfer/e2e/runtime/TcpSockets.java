package org.nifitransfer.e2e.runtime;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The TCP sockets of one Linux process, read from {@code /proc}: the socket inodes among {@code /proc/<pid>/fd}
 * matched against {@code /proc/<pid>/net/tcp} and {@code tcp6}. Used to check that the NiFi under test listens on and
 * talks to the loopback interface only.
 */
public final class TcpSockets {

    private static final String LISTEN = "0A";
    private static final String SYN_SENT = "02";

    private TcpSockets() {
    }

    /** One socket: local and remote address as text, and its state. */
    public record Socket(String localAddress, int localPort, String remoteAddress, int remotePort, String state) {

        public boolean isListening() {
            return LISTEN.equals(state);
        }

        public boolean isConnecting() {
            return SYN_SENT.equals(state);
        }

        /** Listening on, or connected to, loopback only (a listening socket's remote side is the wildcard). */
        public boolean isLoopbackOnly() {
            final boolean localLoopback = isLoopback(localAddress);
            if (isListening()) {
                return localLoopback;
            }
            return localLoopback && isLoopback(remoteAddress);
        }

        @Override
        public String toString() {
            return localAddress + ":" + localPort + " -> " + remoteAddress + ":" + remotePort + " (state " + state + ")";
        }
    }

    /** The TCP sockets process {@code pid} has open now. */
    public static List<Socket> ofProcess(final long pid) throws IOException {
        final Set<String> inodes = socketInodes(pid);
        final List<Socket> sockets = new ArrayList<>();
        for (final String table : List.of("tcp", "tcp6")) {
            final Path path = Path.of("/proc", Long.toString(pid), "net", table);
            if (!Files.exists(path)) {
                continue;
            }
            final List<String> lines = Files.readAllLines(path);
            for (final String line : lines.subList(1, lines.size())) {
                final String[] fields = line.trim().split("\\s+");
                if (fields.length > 9 && inodes.contains(fields[9])) {
                    final String[] local = fields[1].split(":");
                    final String[] remote = fields[2].split(":");
                    sockets.add(new Socket(address(local[0]), Integer.parseInt(local[1], 16),
                            address(remote[0]), Integer.parseInt(remote[1], 16), fields[3].toUpperCase(Locale.ROOT)));
                }
            }
        }
        return sockets;
    }

    private static Set<String> socketInodes(final long pid) throws IOException {
        final Set<String> inodes = new HashSet<>();
        try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (final Path descriptor : descriptors) {
                try {
                    final String target = Files.readSymbolicLink(descriptor).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (final NoSuchFileException closedMeanwhile) {
                    // the descriptor was closed while we listed them
                }
            }
        }
        return inodes;
    }

    /** The kernel's hex address (little-endian 32-bit words) as dotted IPv4 or as IPv6 words. */
    private static String address(final String hex) {
        if (hex.length() == 8) {
            return ipv4(hex);
        }
        if (hex.startsWith("0000000000000000FFFF0000")) {
            return "::ffff:" + ipv4(hex.substring(24));
        }
        final StringBuilder text = new StringBuilder();
        for (int word = 0; word < 4; word++) {
            final String little = hex.substring(word * 8, word * 8 + 8);
            final String big = little.substring(6, 8) + little.substring(4, 6) + little.substring(2, 4) + little.substring(0, 2);
            if (!text.isEmpty()) {
                text.append(':');
            }
            text.append(big, 0, 4).append(':').append(big, 4, 8);
        }
        return text.toString().toLowerCase(Locale.ROOT);
    }

    private static String ipv4(final String hex) {
        final long value = Long.parseLong(hex, 16);
        return (value & 0xFF) + "." + ((value >> 8) & 0xFF) + "." + ((value >> 16) & 0xFF) + "." + ((value >> 24) & 0xFF);
    }

    private static boolean isLoopback(final String address) {
        return address.startsWith("127.") || address.startsWith("::ffff:127.")
                || "0000:0000:0000:0000:0000:0000:0000:0001".equals(address);
    }
}
