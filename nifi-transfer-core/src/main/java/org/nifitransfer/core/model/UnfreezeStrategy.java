package org.nifitransfer.core.model;

import org.nifitransfer.core.pipeline.Described;

/**
 * How {@link UnfreezeSelector} chooses the base parameters that fine-tuning trains. Whatever the strategy,
 * BatchNorm running statistics ({@code running_mean}, {@code running_var}) are never trained by gradients.
 */
public enum UnfreezeStrategy implements Described {
    TOP_BLOCKS("Top Blocks",
            "Unfreezes the top N blocks of the base: a block is the first segment of a parameter name "
                    + "(for a TorchScript Sequential the block index, e.g. 12 in 12.expand3x3.weight), and the top "
                    + "blocks are the last ones in the base's order."),
    FROM_LAYER("From Layer",
            "Unfreezes the named layer and every parameter after it in the base's order (the Keras idiom of "
                    + "unfreezing from block5_conv1 upward). The name may be a block (12), a layer (12.expand3x3) "
                    + "or a full parameter name."),
    PATTERN("Name Pattern",
            "Unfreezes every parameter whose name contains a match of a Java regular expression (find semantics: "
                    + "^12\\. selects block 12, expand selects every expand layer)."),
    ALL("All", "Unfreezes the whole base."),
    NONE("None", "Keeps the whole base frozen; only the head is trained.");

    private final String displayName;
    private final String description;

    UnfreezeStrategy(final String displayName, final String description) {
        this.displayName = displayName;
        this.description = description;
    }

    /** The name shown to users. */
    @Override
    public String getDisplayName() {
        return displayName;
    }

    /** One or two sentences for users. */
    @Override
    public String getDescription() {
        return description;
    }

    /**
     * Finds a strategy by its value or display name, ignoring case.
     *
     * @param name a value such as {@code "TOP_BLOCKS"} or a display name such as {@code "Top Blocks"}
     * @return the strategy
     * @throws IllegalArgumentException if no strategy has that name
     */
    public static UnfreezeStrategy fromName(final String name) {
        for (final UnfreezeStrategy strategy : values()) {
            if (strategy.name().equalsIgnoreCase(name) || strategy.displayName.equalsIgnoreCase(name)) {
                return strategy;
            }
        }
        throw new IllegalArgumentException("Unknown unfreeze strategy '" + name
                + "', expected one of TOP_BLOCKS, FROM_LAYER, PATTERN, ALL, NONE");
    }
}
