package org.nifitransfer.processors;

import org.apache.nifi.components.DescribedValue;
import org.nifitransfer.core.pipeline.Described;

/**
 * A property's choice that stands for one of the core's: an enum whose constants have the names of the core enum's, so
 * that {@link #core()} is {@code CoreEnum.valueOf(name())}, showing the core's value, display name and description.
 * The core keeps its enums free of NiFi; these are their faces on the canvas.
 *
 * @param <C> the core enum
 */
interface CoreChoice<C extends Enum<C> & Described> extends DescribedValue {

    /** The core's constant this choice stands for. */
    C core();

    @Override
    default String getValue() {
        return core().getValue();
    }

    @Override
    default String getDisplayName() {
        return core().getDisplayName();
    }

    @Override
    default String getDescription() {
        return core().getDescription();
    }
}
