package org.nifitransfer.processors;

import org.apache.nifi.components.AllowableValue;
import org.apache.nifi.components.DescribedValue;

/**
 * A property's choice that only the processors know: an enum constant holding its value, display name and description
 * as an {@link AllowableValue}. Declared with {@code allowableValues(TheEnum.class)}, read with {@code asAllowableValue}.
 */
interface Choice extends DescribedValue {

    /** The value, name and description. */
    AllowableValue allowable();

    @Override
    default String getValue() {
        return allowable().getValue();
    }

    @Override
    default String getDisplayName() {
        return allowable().getDisplayName();
    }

    @Override
    default String getDescription() {
        return allowable().getDescription();
    }
}
