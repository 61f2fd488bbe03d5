package org.nifitransfer.core.pipeline;

/**
 * A choice the core offers, as a user picks it: the value stored in configurations, the name shown, and a sentence or
 * two on what it does. The processors show these in NiFi; the core knows nothing of NiFi.
 */
public interface Described {

    /** The constant's name: every choice is an enum constant. */
    String name();

    /** The stable value stored in configurations and metadata; by default the constant's name. */
    default String getValue() {
        return name();
    }

    /** The name shown to users. */
    String getDisplayName();

    /** One or two sentences for users. */
    String getDescription();
}
