package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Json;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SecretFilterTest {

    private static String visible(String data, String... secretFields) throws Exception {
        return SecretFilter.visibleData((ObjectNode) Json.parse(data), List.of(secretFields))
                .toString();
    }

    @Test
    void keepsTopLevelStringsInOrderAndDropsSecretKeysAndOtherTypes() throws Exception {
        assertEquals(
                "{\"username\":\"alice\"}",
                visible(
                        "{\"username\":\"alice\",\"password\":\"hunter2\",\"port\":5432,\"options\":{\"t\":\"30\"},"
                                + "\"api_key\":{\"token\":\"abc\"}}",
                        "password",
                        "api_key.*"));
    }

    @Test
    void aWildcardOverATopLevelLeafObfuscatesItAndTheObfuscatedStringStays() throws Exception {
        assertEquals(
                "{\"auth\":\"********\",\"empty\":\"********\",\"none\":\"********\",\"authx\":\"kept\"}",
                visible(
                        "{\"auth\":\"plain\",\"empty\":{},\"none\":null,\"authx\":\"kept\"}",
                        "auth.*",
                        "empty.*",
                        "none.*"));
    }

    @Test
    void aDottedPathDoesNotTouchAStringAtItsFirstSegment() throws Exception {
        assertEquals("{\"credentials\":\"plain\"}", visible("{\"credentials\":\"plain\"}", "credentials.password"));
    }

    @Test
    void aLoneWildcardCoversEverything() throws Exception {
        assertEquals("{\"a\":\"********\",\"b\":\"********\"}", visible("{\"a\":\"x\",\"b\":1}", "*"));
    }

    @Test
    void theSecretSystemBlockShowsNothing() throws Exception {
        assertEquals("{}", visible("{\"value\":\"s3cr3t\"}", "value"));
    }
}
