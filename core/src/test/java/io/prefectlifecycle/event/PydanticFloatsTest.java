package io.prefectlifecycle.event;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PydanticFloatsTest {

    /** Every line of the vector file came from pydantic-core 2.46.4 (see gen_vectors.py). */
    @Test
    void matchesEveryPydanticVector() throws IOException {
        List<String> mismatches = new ArrayList<>();
        int checked = 0;
        try (BufferedReader in = resource("/vectors/pydantic-floats.tsv")) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("#")) {
                    continue;
                }
                String[] cols = line.split("\t");
                double v = Double.longBitsToDouble(Long.parseUnsignedLong(cols[0], 16));
                String actual = PydanticFloats.format(v);
                if (!actual.equals(cols[2])) {
                    mismatches.add(cols[1] + ": expected " + cols[2] + ", got " + actual);
                }
                checked++;
            }
        }
        assertTrue(checked > 2000, "vector file too small: " + checked);
        assertEquals(List.of(), mismatches);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = ' ',
            value = {
                "0.0 0.0",
                "-0.0 -0.0",
                "1.0 1.0",
                "0.5 0.5",
                "0.0001 0.0001",
                "1e-05 0.00001",
                "1.5e-05 0.000015",
                "9.99e-6 9.99e-6",
                "2.5e-06 2.5e-6",
                "1e-7 1e-7",
                "1e15 1000000000000000.0",
                "9999999999999998.0 9999999999999998.0",
                "1e16 1e+16",
                "1.5e16 1.5e+16",
                "-1e16 -1e+16",
                "1e22 1e+22",
                "5e-324 5e-324",
                "1e-323 1e-323",
                "1.7976931348623157e308 1.7976931348623157e+308",
                "0.1 0.1",
                "0.30000000000000004 0.30000000000000004",
                "123456.789 123456.789",
                "5432 5432.0",
                "2.82879384806159E17 2.82879384806159e+17",
                "1e23 1e+23",
            })
    void specTableAndKnownTraps(double v, String expected) {
        assertEquals(expected, PydanticFloats.format(v));
    }

    @Test
    void nonFiniteIsNullAsInModelDumpJson() {
        assertEquals("null", PydanticFloats.format(Double.NaN));
        assertEquals("null", PydanticFloats.format(Double.POSITIVE_INFINITY));
        assertEquals("null", PydanticFloats.format(Double.NEGATIVE_INFINITY));
    }

    @Test
    void subnormalsUseOneDigitWhenItRoundTrips() {
        // Schubfach alone prints 9.9E-324 for 2 x MIN_VALUE
        assertEquals("1e-323", PydanticFloats.format(2 * Double.MIN_VALUE));
        assertEquals("1.5e-323", PydanticFloats.format(3 * Double.MIN_VALUE));
        assertEquals("-5e-324", PydanticFloats.format(-Double.MIN_VALUE));
    }

    @Property(tries = 20_000)
    void readsBackAsTheSameDouble(@ForAll("finiteDoubles") double x) {
        assertEquals(x, Double.parseDouble(PydanticFloats.format(x)));
    }

    @Property(tries = 5_000)
    void plainExactlyBetween1eMinus5And1e16(@ForAll("finiteDoubles") double x) {
        String s = PydanticFloats.format(x);
        double magnitude = Math.abs(x);
        boolean plain = magnitude == 0 || (magnitude >= 1e-5 && magnitude < 1e16);
        assertEquals(plain, !s.contains("e"), s);
        if (plain) {
            assertTrue(s.matches("-?\\d+\\.\\d+"), s);
        } else {
            assertTrue(s.matches("-?[1-9](\\.\\d*[1-9])?e[+-][1-9]\\d*"), s);
        }
    }

    @Property(tries = 5_000)
    void noLongerThanJavasOwnDigits(@ForAll("finiteDoubles") double x) {
        assertTrue(
                significantDigits(PydanticFloats.format(x)) <= significantDigits(Double.toString(x)),
                () -> x + " -> " + PydanticFloats.format(x));
    }

    @Property(tries = 2_000)
    void signIsSymmetric(@ForAll("finiteDoubles") double x) {
        double positive = Math.abs(x);
        assertEquals("-" + PydanticFloats.format(positive), PydanticFloats.format(-positive));
    }

    @Provide
    Arbitrary<Double> finiteDoubles() {
        Arbitrary<Double> anyBits =
                Arbitraries.longs().map(Double::longBitsToDouble).filter(Double::isFinite);
        Arbitrary<Double> subnormals =
                Arbitraries.longs().between(1, (1L << 52) - 1).map(Double::longBitsToDouble);
        Arbitrary<Double> decimals = Arbitraries.longs()
                .between(1, 99_999_999_999_999_999L)
                .flatMap(m -> Arbitraries.integers().between(-30, 30).map(e -> Double.parseDouble(m + "e" + e)));
        return Arbitraries.frequencyOf(Tuple.of(5, anyBits), Tuple.of(2, subnormals), Tuple.of(5, decimals))
                .edgeCases(config -> config.add(
                        0.0,
                        -0.0,
                        Double.MIN_VALUE,
                        Double.MAX_VALUE,
                        Double.MIN_NORMAL,
                        1e-5,
                        Math.nextDown(1e-5),
                        1e16,
                        Math.nextDown(1e16)));
    }

    private static int significantDigits(String s) {
        String mantissa = s.split("[eE]")[0].replace("-", "").replace(".", "");
        String trimmed = mantissa.replaceFirst("^0+", "").replaceFirst("0+$", "");
        return Math.max(trimmed.length(), 1);
    }

    private static BufferedReader resource(String path) {
        return new BufferedReader(new InputStreamReader(
                Objects.requireNonNull(PydanticFloatsTest.class.getResourceAsStream(path), path),
                StandardCharsets.UTF_8));
    }
}
