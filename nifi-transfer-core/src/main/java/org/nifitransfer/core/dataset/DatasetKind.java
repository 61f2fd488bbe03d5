package org.nifitransfer.core.dataset;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What a dataset flowfile holds; the value of its {@code transfer.kind} attribute and manifest field {@code kind}. */
public enum DatasetKind {
    /** Encoded image files, as found on disk (a tar of {@code images/<class>/<file>}). */
    IMAGES("image-dataset"),
    /** Decoded, resized uint8 pixel tensors in {@code .npy} shards, with the normalisation to apply on read. */
    TENSORS("tensor-dataset"),
    /** Pooled features of a frozen base, float32 {@code [n, D]} in {@code .npy} shards, with the base's identity. */
    FEATURES("feature-dataset");

    private final String value;

    DatasetKind(final String value) {
        this.value = value;
    }

    @JsonValue
    public String getValue() {
        return value;
    }

    @JsonCreator
    public static DatasetKind fromValue(final String value) {
        for (final DatasetKind kind : values()) {
            if (kind.value.equals(value)) {
                return kind;
            }
        }
        throw new DatasetFormatException("unknown dataset kind '" + value + "'");
    }
}
