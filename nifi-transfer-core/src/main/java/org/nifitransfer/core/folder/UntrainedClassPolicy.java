package org.nifitransfer.core.folder;

/**
 * What a scan does with a class that has validation or test images but no training images: a model trained on the
 * rest could never predict it, so every one of its test images would count as wrong.
 */
public enum UntrainedClassPolicy {
    /** The scan fails with a message naming each such class and its images. */
    FAIL("fail"),
    /** Such classes are left out of every split and listed in the scan's dropped classes. */
    DROP("drop");

    private final String value;

    UntrainedClassPolicy(final String value) {
        this.value = value;
    }

    /** The name manifests and properties use. */
    public String getValue() {
        return value;
    }
}
