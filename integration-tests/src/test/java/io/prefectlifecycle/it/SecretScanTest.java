package io.prefectlifecycle.it;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SecretScan} finds each form of a planted secret and key, and its report does not repeat them. */
class SecretScanTest {
    private static final String SECRET = "Pl41ntext-S3cret-for-the-scan-test";
    private static final String KEY = ValidStream.FERNET_KEY;

    @Test
    void findsEveryFormAndReportsWithoutTheValue() {
        byte[] raw = Base64.getUrlDecoder().decode(KEY);
        List<byte[]> planted = List.of(
                ("log line " + SECRET + " end").getBytes(StandardCharsets.UTF_8),
                ("{\"fernet_key\": \"" + KEY + "\"}").getBytes(StandardCharsets.UTF_8),
                ("std " + Base64.getEncoder().withoutPadding().encodeToString(raw)).getBytes(StandardCharsets.UTF_8),
                ("hex " + HexFormat.of().formatHex(raw)).getBytes(StandardCharsets.UTF_8),
                concat("raw:".getBytes(StandardCharsets.UTF_8), raw));
        SecretScan scan = SecretScan.of(List.of(SECRET), List.of(KEY));
        for (int i = 0; i < planted.size(); i++) {
            scan.bytes("test", "planted #" + i, planted.get(i));
        }
        assertEquals(
                planted.size(),
                scan.hits().stream().map(SecretScan.Hit::where).distinct().count(),
                "" + scan.hits());
        String report = scan.hits().toString();
        assertFalse(report.contains(SECRET) || report.contains(KEY.substring(0, 20)), report);
        assertThrows(AssertionError.class, scan::assertClean);
    }

    @Test
    void cleanBytesAndShortNeedles() {
        SecretScan scan = SecretScan.of(List.of(SECRET), List.of(KEY));
        scan.text("test", "clean", "nothing to see: gAAAAABqIsjCAAECAwQFBgcICQoLDA0ODx4Xw3IRk2qdi65IQAniIR8h42ExZOk");
        assertTrue(scan.hits().isEmpty());
        scan.assertClean();
        assertThrows(IllegalArgumentException.class, () -> SecretScan.of(List.of("pw2"), List.of()));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
