package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FernetTest {

    // spec §5.2
    private static final String SPEC_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final String SPEC_TOKEN =
            "gAAAAABqIsjCAAECAwQFBgcICQoLDA0ODx4Xw3IRk2qdi65IQAniIR8h42ExZOk946NfOpOImU2p2fhVLnBk"
                    + "FrQW59oX9dXhc26auBQ_zfYJ0PGpLbsV8MUtu4D_xSiz3FUe4dxoOtVKc-OdT2d366fY596kxRJuui7NT4mOaUlAUNQi2UzQ0Fml_8_"
                    + "adKM_5lZnq-VOoXJi3ZItbKUmTmigoy3P2RHQHGmATyweB6bvGuK1zpH8x10=";
    private static final String SPEC_PLAINTEXT = "{\"username\": \"alice\", \"password\": \"hunter2\", \"port\": 5432, "
            + "\"options\": {\"timeout\": \"30\"}, \"api_key\": {\"token\": \"abc\"}}";
    private static final String OTHER_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // in no vector

    private record Vector(String name, String key, String token, byte[] plaintext) {}

    @Test
    void decryptsTheSpecVector() throws Exception {
        byte[] plaintext = Fernet.decrypt(SPEC_TOKEN, FernetKey.parse(SPEC_KEY));
        assertEquals(SPEC_PLAINTEXT, new String(plaintext, StandardCharsets.UTF_8));
    }

    @Test
    void encryptsTheSpecVectorWithItsTimeAndIv() {
        byte[] iv = new byte[16];
        for (int i = 0; i < iv.length; i++) {
            iv[i] = (byte) i;
        }
        assertEquals(
                SPEC_TOKEN,
                Fernet.encrypt(
                        SPEC_PLAINTEXT.getBytes(StandardCharsets.UTF_8), FernetKey.parse(SPEC_KEY), 1780664514L, iv));
    }

    @Test
    void aGeneratedKeyEncryptsWhatItDecryptsWithAFreshIvEachTime() throws Exception {
        String text = FernetKey.generate();
        assertEquals(44, text.length(), "32 bytes, URL-safe base64 with padding");
        assertTrue(text.matches("[A-Za-z0-9_-]{43}="), "URL-safe alphabet");
        assertFalse(text.equals(FernetKey.generate()), "random");
        FernetKey key = FernetKey.parse(text);
        byte[] plaintext = SPEC_PLAINTEXT.getBytes(StandardCharsets.UTF_8);
        String first = Fernet.encrypt(plaintext, key);
        String second = Fernet.encrypt(plaintext, key);
        assertTrue(first.startsWith("gAAAAA"), first);
        assertFalse(first.equals(second), "a new IV per token, as Prefect's re-encryption on every update");
        assertArrayEquals(plaintext, Fernet.decrypt(first, key));
        assertArrayEquals(plaintext, Fernet.decrypt(second, key));
    }

    /** Tokens made by Python's cryptography.fernet with random keys (see gen_vectors.py). */
    @Test
    void decryptsEveryPythonVector() throws Exception {
        List<Vector> vectors = vectors();
        assertTrue(vectors.size() >= 18, "vector file too small: " + vectors.size());
        for (Vector v : vectors) {
            assertArrayEquals(v.plaintext(), Fernet.decrypt(v.token(), FernetKey.parse(v.key())), v.name());
        }
    }

    @Test
    void keepsNonAsciiPlaintextBytes() throws Exception {
        Vector accented = vectors().get(2);
        assertEquals(
                "héllo wörld",
                new String(Fernet.decrypt(accented.token(), FernetKey.parse(accented.key())), StandardCharsets.UTF_8));
        Vector cjk = vectors().get(3);
        assertEquals(
                "密码 🔑 пароль",
                new String(Fernet.decrypt(cjk.token(), FernetKey.parse(cjk.key())), StandardCharsets.UTF_8));
    }

    @Test
    void ignoresTheTimestamp() throws Exception {
        byte[] raw = rawKey(SPEC_KEY);
        for (long time : new long[] {0, -1, Long.MAX_VALUE}) {
            String token = encrypt(raw, time, new byte[16], "x".getBytes(StandardCharsets.UTF_8));
            assertEquals("x", new String(Fernet.decrypt(token, FernetKey.parse(SPEC_KEY)), StandardCharsets.UTF_8));
        }
    }

    @Test
    void wrongKeyIsAnHmacMismatch() {
        assertRejected(SPEC_TOKEN, OTHER_KEY, "HMAC mismatch (wrong key or tampered token)");
    }

    @Test
    void everyFlippedBitAfterTheVersionIsAnHmacMismatch() {
        byte[] data = Base64.getUrlDecoder().decode(SPEC_TOKEN);
        for (int i = 1; i < data.length; i++) {
            for (int bit = 0; bit < 8; bit += 3) {
                byte[] tampered = data.clone();
                tampered[i] ^= (byte) (1 << bit);
                assertRejected(encode(tampered), SPEC_KEY, "HMAC mismatch (wrong key or tampered token)");
            }
        }
    }

    @Test
    void versionByteIsCheckedFirst() {
        byte[] data = Base64.getUrlDecoder().decode(SPEC_TOKEN);
        data[0] = (byte) 0x81;
        assertRejected(encode(data), SPEC_KEY, "bad version byte");
        assertRejected(encode(new byte[] {0x00}), SPEC_KEY, "bad version byte");
    }

    @Test
    void truncatedTokens() {
        byte[] data = Base64.getUrlDecoder().decode(SPEC_TOKEN);
        for (int length : new int[] {1, 9, 25, 41, 72}) {
            assertRejected(encode(Arrays.copyOf(data, length)), SPEC_KEY, "too short");
        }
        // still long enough, but the HMAC is no longer the last 32 bytes
        assertRejected(encode(Arrays.copyOf(data, data.length - 16)), SPEC_KEY, "HMAC mismatch");
        assertRejected(encode(Arrays.copyOf(data, data.length - 1)), SPEC_KEY, "HMAC mismatch");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not a token", "gAAAAA$$", "gAAAAABqIsjC+/==", "\"gAAAAABqIsjC\"", "gAAAAABqIsjC=A"})
    void nonBase64(String token) {
        assertRejected(token, SPEC_KEY, "not URL-safe base64");
    }

    @Test
    void emptyToken() {
        assertRejected("", SPEC_KEY, "empty");
    }

    @Test
    void badPaddingBehindAValidHmac() throws Exception {
        byte[] raw = rawKey(SPEC_KEY);
        byte[] block = new byte[16];
        Arrays.fill(block, (byte) 0x11); // last byte 0x11 > 16: not PKCS7
        String token = sign(raw, 0x80, 1, new byte[16], aesRaw(raw, new byte[16], block));
        assertRejected(token, SPEC_KEY, "bad padding");
    }

    @Test
    void partialBlockBehindAValidHmac() {
        byte[] raw = rawKey(SPEC_KEY);
        String token = sign(raw, 0x80, 1, new byte[16], new byte[20]);
        assertRejected(token, SPEC_KEY, "not a whole number of AES blocks");
    }

    @Test
    void roundTripsTokensMadeHere() throws Exception {
        byte[] raw = rawKey(OTHER_KEY);
        for (int length = 0; length <= 48; length++) {
            byte[] plaintext = new byte[length];
            Arrays.fill(plaintext, (byte) 'a');
            String token = encrypt(raw, 1, new byte[16], plaintext);
            assertArrayEquals(plaintext, Fernet.decrypt(token, FernetKey.parse(OTHER_KEY)));
        }
    }

    @Test
    void isThreadSafe() throws Exception {
        List<Vector> vectors = vectors();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                Vector v = vectors.get(i % vectors.size());
                boolean wrongKey = i % 5 == 0;
                results.add(pool.submit(() -> {
                    try {
                        byte[] out = Fernet.decrypt(v.token(), FernetKey.parse(wrongKey ? OTHER_KEY : v.key()));
                        return !wrongKey && Arrays.equals(v.plaintext(), out);
                    } catch (Fernet.InvalidTokenException e) {
                        return wrongKey;
                    }
                }));
            }
            for (Future<Boolean> result : results) {
                assertTrue(result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "short",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ==",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=x",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh!=",
            })
    void malformedKeys(String key) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FernetKey.parse(key));
        assertEquals("encryption key is not 32 bytes of URL-safe base64", e.getMessage());
    }

    @Test
    void keysAsPythonAcceptsThem() throws Exception {
        // Python's urlsafe_b64decode also takes the standard alphabet; env vars may carry a newline
        byte[] raw = new byte[32];
        Arrays.fill(raw, (byte) 0xfb); // encodes to '-' and '_' / '+' and '/'
        String urlSafe = Base64.getUrlEncoder().encodeToString(raw);
        String standard = Base64.getEncoder().encodeToString(raw);
        String token = encrypt(raw, 1, new byte[16], "ok".getBytes(StandardCharsets.UTF_8));
        for (String key : List.of(urlSafe, standard, urlSafe + "\n", "  " + urlSafe)) {
            assertEquals("ok", new String(Fernet.decrypt(token, FernetKey.parse(key)), StandardCharsets.UTF_8));
        }
    }

    @Test
    void keyToStringIsRedacted() {
        String text = FernetKey.parse(SPEC_KEY).toString();
        assertFalse(text.contains(SPEC_KEY), text);
        assertFalse(text.contains("AAECAwQF"), text);
        assertEquals("FernetKey[redacted]", text);
    }

    /** Every rejection of every vector: the message never carries the key, the token or the plaintext. */
    @Test
    void messagesNeverLeakSecrets() throws Exception {
        for (Vector v : vectors()) {
            byte[] data = Base64.getUrlDecoder().decode(v.token());
            byte[] flipped = data.clone();
            flipped[30] ^= 1;
            List<String> tokens = List.of(
                    encode(flipped), v.token().substring(0, 30), v.token() + "$", encode(Arrays.copyOf(data, 60)));
            List<String> messages = new ArrayList<>();
            for (String token : tokens) {
                messages.add(rejection(token, v.key()));
            }
            messages.add(rejection(v.token(), OTHER_KEY));
            String plaintext = new String(v.plaintext(), StandardCharsets.UTF_8);
            for (String message : messages) {
                assertTrue(message.startsWith("invalid Fernet token: "), message);
                assertFalse(
                        message.contains(v.key()) || message.contains(v.key().substring(0, 8)), message);
                assertFalse(message.contains(v.token().substring(0, 12)), message);
                assertFalse(message.contains(v.token().substring(12, 24)), message);
                assertFalse(plaintext.length() >= 4 && message.contains(plaintext), message);
            }
        }
        assertFalse(rejection(SPEC_TOKEN, OTHER_KEY).contains("hunter2"));
    }

    private static void assertRejected(String token, String key, String reason) {
        String message = rejection(token, key);
        assertTrue(message.contains(reason), () -> "expected '" + reason + "' in: " + message);
    }

    private static String rejection(String token, String key) {
        return assertThrows(Fernet.InvalidTokenException.class, () -> Fernet.decrypt(token, FernetKey.parse(key)))
                .getMessage();
    }

    private static List<Vector> vectors() throws IOException {
        JsonMapper json = new JsonMapper();
        List<Vector> vectors = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                Objects.requireNonNull(FernetTest.class.getResourceAsStream("/vectors/fernet-tokens.jsonl")),
                StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                JsonNode row = json.readTree(line);
                if (row.has("token")) {
                    vectors.add(new Vector(
                            row.get("name").asText(),
                            row.get("key").asText(),
                            row.get("token").asText(),
                            HexFormat.of().parseHex(row.get("plaintext_hex").asText())));
                }
            }
        }
        return vectors;
    }

    // ---- a minimal Fernet encoder, to build tokens Python would not (bad padding, odd lengths, any time)

    private static byte[] rawKey(String key) {
        return Base64.getUrlDecoder().decode(key);
    }

    private static String encrypt(byte[] raw, long time, byte[] iv, byte[] plaintext) throws Exception {
        Cipher aes = Cipher.getInstance("AES/CBC/PKCS5Padding");
        aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(raw, 16, 16, "AES"), new IvParameterSpec(iv));
        return sign(raw, 0x80, time, iv, aes.doFinal(plaintext));
    }

    private static byte[] aesRaw(byte[] raw, byte[] iv, byte[] blocks) throws Exception {
        Cipher aes = Cipher.getInstance("AES/CBC/NoPadding");
        aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(raw, 16, 16, "AES"), new IvParameterSpec(iv));
        return aes.doFinal(blocks);
    }

    private static String sign(byte[] raw, int version, long time, byte[] iv, byte[] ciphertext) {
        ByteBuffer body = ByteBuffer.allocate(25 + ciphertext.length)
                .put((byte) version)
                .putLong(time)
                .put(iv)
                .put(ciphertext);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(raw, 0, 16, "HmacSHA256"));
            byte[] hmac = mac.doFinal(body.array());
            return encode(ByteBuffer.allocate(body.capacity() + 32)
                    .put(body.array())
                    .put(hmac)
                    .array());
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static String encode(byte[] data) {
        return Base64.getUrlEncoder().encodeToString(data);
    }
}
