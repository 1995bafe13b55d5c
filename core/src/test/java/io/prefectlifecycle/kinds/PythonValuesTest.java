package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import io.prefectlifecycle.cdc.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Python's {@code ==} on JSON values, which decides whether Prefect counts a field as changed (spec §4.1). */
class PythonValuesTest {

    @ParameterizedTest(name = "{0} == {1}: {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "1 | 1.0 | true",
                "true | 1 | true",
                "false | 0 | true",
                "true | 1.0 | true",
                "false | null | false",
                "0 | null | false",
                "null | null | true",
                "0.5 | 0.50 | true",
                "0.1 | 0.1000000000000000055511151231257827 | true",
                "9007199254740993 | 9007199254740992.0 | false",
                "9007199254740992 | 9007199254740992.0 | true",
                "\"1\" | 1 | false",
                "\"a\" | \"a\" | true",
                "{\"a\": 1, \"b\": [1, 2]} | {\"b\": [1.0, 2], \"a\": true} | true",
                "{\"a\": 1} | {\"a\": 1, \"b\": null} | false",
                "[1, 2] | [2, 1] | false",
                "[] | {} | false",
                "{} | null | false",
                "[[1]] | [[true]] | true"
            })
    void equalAsPythonSeesIt(String a, String b, boolean equal) throws Exception {
        JsonNode x = Json.parse(a);
        JsonNode y = Json.parse(b);
        assertEquals(equal, PythonValues.equal(x, y));
        assertEquals(equal, PythonValues.equal(y, x));
    }
}
