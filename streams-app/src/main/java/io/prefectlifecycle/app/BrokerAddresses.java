package io.prefectlifecycle.app;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Why the bootstrap servers could not be reached, in a user's words, from one plain TCP connection to each: Kafka's
 * clients only say that a node "may not be available".
 */
final class BrokerAddresses {

    private static final int CONNECT_TIMEOUT_MS = 2_000;

    private BrokerAddresses() {}

    /** E.g. {@code 127.0.0.1:1: connection refused}; empty when every address takes a TCP connection. */
    static Optional<String> whyUnreachable(String bootstrapServers) {
        List<String> reasons = new ArrayList<>();
        for (String address : bootstrapServers.split(",")) {
            String hostPort = address.strip().replaceFirst("^[A-Za-z_]+://", "");
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) {
                reasons.add(hostPort + ": no port");
                continue;
            }
            String host = hostPort.substring(0, colon).replaceAll("^\\[|]$", "");
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                reasons.add(hostPort + ": no port");
                continue;
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
            } catch (UnknownHostException e) {
                reasons.add(hostPort + ": unknown host");
            } catch (ConnectException e) {
                reasons.add(hostPort + ": connection refused");
            } catch (SocketTimeoutException e) {
                reasons.add(hostPort + ": no answer within " + CONNECT_TIMEOUT_MS / 1000 + " s");
            } catch (NoRouteToHostException e) {
                reasons.add(hostPort + ": no route to host");
            } catch (IOException | IllegalArgumentException e) {
                reasons.add(hostPort + ": " + e.getMessage());
            }
        }
        return reasons.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", reasons));
    }
}
