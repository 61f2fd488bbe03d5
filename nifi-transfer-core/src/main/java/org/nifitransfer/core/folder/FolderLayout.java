package org.nifitransfer.core.folder;

/** How a directory of images is organised. */
public enum FolderLayout {
    /** Decide from the directory: split folders when it has {@code train/}, {@code validation/} (or {@code val/}) or {@code test/}. */
    AUTO("auto"),
    /** {@code train/<class>/…}, {@code validation/<class>/…}, {@code test/<class>/…}, as in the cats-vs-dogs tutorials. */
    SPLIT_FOLDERS("split-folders"),
    /** {@code <class>/…} only; splits are drawn with seeded, stratified fractions. */
    CLASS_FOLDERS("class-folders");

    private final String value;

    FolderLayout(final String value) {
        this.value = value;
    }

    /** The name manifests use. */
    public String getValue() {
        return value;
    }
}
