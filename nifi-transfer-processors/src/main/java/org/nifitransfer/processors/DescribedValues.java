package org.nifitransfer.processors;

import java.util.function.Function;
import org.apache.nifi.components.AllowableValue;

/** Allowable values built from the core's enums, which know nothing of NiFi. */
final class DescribedValues {

    private DescribedValues() {
    }

    static <E extends Enum<E>> AllowableValue[] of(final E[] values, final Function<E, String> value, final Function<E, String> displayName,
                                                   final Function<E, String> description) {
        final AllowableValue[] allowable = new AllowableValue[values.length];
        for (int i = 0; i < values.length; i++) {
            allowable[i] = new AllowableValue(value.apply(values[i]), displayName.apply(values[i]), description.apply(values[i]));
        }
        return allowable;
    }

    static <E extends Enum<E>> E find(final E[] values, final Function<E, String> value, final String wanted) {
        for (final E candidate : values) {
            if (value.apply(candidate).equals(wanted)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("Unknown value '" + wanted + "'");
    }
}
