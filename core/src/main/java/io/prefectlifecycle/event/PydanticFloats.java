package io.prefectlifecycle.event;

import com.fasterxml.jackson.core.io.schubfach.DoubleToDecimal;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Writes a double exactly as pydantic-core 2.46 {@code model_dump_json} writes a Python float (spec §6.3).
 *
 * <ul>
 *   <li>Digits: the shortest decimal that reads back as the same double, the closest one if several.
 *   <li>Plain notation for 1e-5 &lt;= |v| &lt; 1e16, always with a fraction: {@code 0.00001},
 *       {@code 1000000000000000.0}.
 *   <li>Scientific otherwise, mantissa without a trailing {@code .0}: {@code 2.5e-6}, {@code 1e+16},
 *       {@code 1.5e+16}, {@code 5e-324}.
 *   <li>{@code -0.0} keeps its sign.
 *   <li>NaN and ±Infinity are {@code null}: the model default {@code ser_json_inf_nan='null'}
 *       ({@code pydantic_core.to_json} alone would write {@code NaN}/{@code Infinity}).
 * </ul>
 */
public final class PydanticFloats {

    private static final int PLAIN_MIN_EXPONENT = -5;
    private static final int PLAIN_MAX_EXPONENT = 15;

    private PydanticFloats() {}

    public static String format(double v) {
        if (!Double.isFinite(v)) {
            return "null";
        }
        if (v == 0) {
            return Double.doubleToRawLongBits(v) < 0 ? "-0.0" : "0.0";
        }
        Decimal d = shortest(Math.abs(v));
        StringBuilder out = new StringBuilder(26);
        if (v < 0) {
            out.append('-');
        }
        if (d.exponent < PLAIN_MIN_EXPONENT || d.exponent > PLAIN_MAX_EXPONENT) {
            appendScientific(d, out);
        } else {
            appendPlain(d, out);
        }
        return out.toString();
    }

    private static void appendScientific(Decimal d, StringBuilder out) {
        out.append(d.digits.charAt(0));
        if (d.digits.length() > 1) {
            out.append('.').append(d.digits, 1, d.digits.length());
        }
        out.append('e').append(d.exponent < 0 ? '-' : '+').append(Math.abs(d.exponent));
    }

    private static void appendPlain(Decimal d, StringBuilder out) {
        String digits = d.digits;
        if (d.exponent < 0) {
            out.append("0.").append("0".repeat(-d.exponent - 1)).append(digits);
            return;
        }
        int intLength = d.exponent + 1;
        if (digits.length() <= intLength) {
            out.append(digits).append("0".repeat(intLength - digits.length())).append(".0");
        } else {
            out.append(digits, 0, intLength).append('.').append(digits, intLength, digits.length());
        }
    }

    /** Significant digits without leading or trailing zeros; value = d.ddd × 10^exponent. */
    private record Decimal(String digits, int exponent) {}

    /** Positive finite input. */
    private static Decimal shortest(double v) {
        Decimal d = parse(DoubleToDecimal.toString(v));
        // Schubfach (like JDK 19+ Double.toString) prints two digits when one would do
        // (2 × MIN_VALUE gives 9.9E-324, Python 1e-323); only subnormals are that imprecise.
        return d.digits.length() == 2 && v < Double.MIN_NORMAL ? oneDigitIfRoundTrips(v, d) : d;
    }

    private static Decimal oneDigitIfRoundTrips(double v, Decimal twoDigits) {
        BigDecimal exact = new BigDecimal(v);
        BigDecimal best = null;
        for (RoundingMode mode : new RoundingMode[] {RoundingMode.FLOOR, RoundingMode.CEILING}) {
            BigDecimal candidate = exact.round(new MathContext(1, mode));
            if (candidate.signum() > 0
                    && Double.parseDouble(candidate.toString()) == v
                    && (best == null || closer(candidate, best, exact))) {
                best = candidate;
            }
        }
        if (best == null) {
            return twoDigits;
        }
        BigDecimal unscaled = best.stripTrailingZeros();
        String digits = unscaled.unscaledValue().toString();
        return new Decimal(digits, digits.length() - 1 - unscaled.scale());
    }

    private static boolean closer(BigDecimal a, BigDecimal b, BigDecimal target) {
        return a.subtract(target).abs().compareTo(b.subtract(target).abs()) < 0;
    }

    /** Reads Schubfach's output: {@code 123.45}, {@code 0.00123} or {@code 1.2345E-7}. */
    private static Decimal parse(String s) {
        int e = s.indexOf('E');
        String mantissa = e < 0 ? s : s.substring(0, e);
        int power = e < 0 ? 0 : Integer.parseInt(s.substring(e + 1));
        int point = mantissa.indexOf('.');
        String all = mantissa.substring(0, point) + mantissa.substring(point + 1);
        int first = 0;
        while (all.charAt(first) == '0') {
            first++;
        }
        int last = all.length();
        while (all.charAt(last - 1) == '0') {
            last--;
        }
        return new Decimal(all.substring(first, last), point - first - 1 + power);
    }
}
