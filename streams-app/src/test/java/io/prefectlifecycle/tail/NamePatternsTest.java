package io.prefectlifecycle.tail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prefect's {@code matches()}/{@code LabelOperations} grammar: exact, {@code *} prefix, {@code !} negation. */
class NamePatternsTest {

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource({
        // exact
        "prefect.variable.created,            prefect.variable.created,        true",
        "prefect.variable.created,            prefect.variable.updated,        false",
        "prefect.variable.created,            prefect.variable.created.extra,  false",
        // a trailing * is a prefix, not a glob segment
        "prefect.block-document.*,            prefect.block-document.created,  true",
        "prefect.block-document.*,            prefect.block-document.,         true",
        "prefect.block-document.*,            prefect.block-documents.created, false",
        "prefect.block-document*,             prefect.block-documents.created, true",
        "prefect.block-*,                     prefect.block-type.deleted,      true",
        "*,                                   prefect.flow.created,            true",
        // negation
        "!prefect.flow.deleted,               prefect.flow.deleted,            false",
        "!prefect.flow.deleted,               prefect.flow.created,            true",
        "!prefect.flow.*,                     prefect.flow.created,            false",
        "!prefect.flow.*,                     prefect.variable.created,        true",
        // case matters, as in Prefect
        "prefect.Flow.*,                      prefect.flow.created,            false",
    })
    void oneValue(String pattern, String value, boolean expected) {
        assertEquals(expected, NamePatterns.parse(List.of(pattern)).matches(value));
    }

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                // positives are OR-ed, prefixes and exact names alike
                "prefect.variable.*;prefect.flow.created          | prefect.variable.deleted        | true",
                "prefect.variable.*;prefect.flow.created          | prefect.flow.created            | true",
                "prefect.variable.*;prefect.flow.created          | prefect.flow.updated            | false",
                // negatives are AND NOT: any one of them excludes
                "!prefect.flow.deleted;!prefect.variable.*        | prefect.flow.created            | true",
                "!prefect.flow.deleted;!prefect.variable.*        | prefect.flow.deleted            | false",
                "!prefect.flow.deleted;!prefect.variable.*        | prefect.variable.created        | false",
                // both: one positive and no negative
                "prefect.block-document.*;!prefect.block-document.deleted | prefect.block-document.updated | true",
                "prefect.block-document.*;!prefect.block-document.deleted | prefect.block-document.deleted | false",
                "prefect.block-document.*;!prefect.block-document.deleted | prefect.block-type.updated     | false",
                // a negative exact name does not exclude longer names
                "prefect.flow.*;!prefect.flow                     | prefect.flow.created            | true",
            })
    void severalValues(String patterns, String value, boolean expected) {
        assertEquals(
                expected,
                NamePatterns.parse(Arrays.asList(patterns.strip().split(";"))).matches(value.strip()));
    }

    @Test
    void noPatternMatchesEverythingEvenAMissingValue() {
        NamePatterns any = NamePatterns.parse(List.of());
        assertTrue(any.isAny());
        assertTrue(any.matches("anything"));
        assertTrue(any.matches(null));
        assertTrue(NamePatterns.any().matches(null));
    }

    @Test
    void aMissingValueMatchesNoPatternNotEvenANegativeOne() {
        // Prefect: matches(expected, None) is False; a negative label filter requires the label
        assertFalse(NamePatterns.parse(List.of("db_*")).matches(null));
        assertFalse(NamePatterns.parse(List.of("!db_*")).matches(null));
    }

    @Test
    void rejectsEmptyPatternsAndInnerStars() {
        assertThrows(IllegalArgumentException.class, () -> NamePatterns.parse(List.of("")));
        assertThrows(IllegalArgumentException.class, () -> NamePatterns.parse(List.of("!")));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> NamePatterns.parse(List.of("prefect.*.created")));
        assertTrue(e.getMessage().contains("only allowed at the end"), e.getMessage());
    }

    @Test
    void aLoneBangStarExcludesEverything() {
        NamePatterns none = NamePatterns.parse(List.of("!*"));
        assertFalse(none.matches("prefect.flow.created"));
        assertFalse(none.matches(""));
    }
}
