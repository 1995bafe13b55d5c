package io.prefectlifecycle.app;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BrokerAddressesTest {

    @Test
    void saysWhyEachAddressCannotBeReached() throws IOException {
        int closed;
        try (ServerSocket released = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = released.getLocalPort();
        }
        assertEquals(
                Optional.of("127.0.0.1:" + closed + ": connection refused, no-such-host.invalid:9092: unknown host"),
                BrokerAddresses.whyUnreachable("127.0.0.1:" + closed + ",no-such-host.invalid:9092"));
        assertEquals(Optional.of("kafka: no port"), BrokerAddresses.whyUnreachable("kafka"));
    }

    @Test
    void nothingToSayWhenEveryAddressTakesAConnection() throws IOException {
        try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(Optional.empty(), BrokerAddresses.whyUnreachable("127.0.0.1:" + listening.getLocalPort()));
        }
    }
}
