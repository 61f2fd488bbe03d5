package org.nifitransfer.processors;

import org.apache.nifi.components.DescribedValue;
import org.nifitransfer.core.folder.UntrainedClassPolicy;

/** LoadImageFolder's choice for classes that have validation or test images but no training images. */
enum UntrainedClasses implements DescribedValue {
    FAIL(UntrainedClassPolicy.FAIL, "Fail",
            "The load fails with a message naming each such class: a model could never predict it, and all its test images would count as wrong"),
    DROP(UntrainedClassPolicy.DROP, "Drop",
            "Such classes are left out of every split; transfer.dropped.classes, the datasets and Evaluate's metrics name them");

    private final UntrainedClassPolicy policy;
    private final String displayName;
    private final String description;

    UntrainedClasses(final UntrainedClassPolicy policy, final String displayName, final String description) {
        this.policy = policy;
        this.displayName = displayName;
        this.description = description;
    }

    /** The core's policy. */
    UntrainedClassPolicy policy() {
        return policy;
    }

    @Override
    public String getValue() {
        return policy.getValue();
    }

    @Override
    public String getDisplayName() {
        return displayName;
    }

    @Override
    public String getDescription() {
        return description;
    }
}
