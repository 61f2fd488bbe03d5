package org.nifitransfer.core.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Chooses which parameters of a pretrained base fine-tuning trains: step 5 of the transfer-learning recipe,
 * "unfreeze the top layers of the base".
 *
 * <pre>{@code
 * UnfreezeSelector selector = UnfreezeSelector.builder()
 *         .setStrategy(UnfreezeStrategy.TOP_BLOCKS)
 *         .optTopBlocks(2)
 *         .build();
 * List<ParameterInfo> base = selector.apply(baseParameters); // blocks 11 and 12 of SqueezeNet trainable
 * }</pre>
 *
 * <p>Names follow TorchScript's {@code named_parameters}: segments separated by dots. A <em>block</em> is the
 * name up to its first numeric segment, the index in a {@code Sequential} ({@code 12} in {@code 12.expand3x3.weight},
 * {@code features.12} in {@code features.12.expand3x3.weight}, {@code classifier.1} in {@code classifier.1.weight},
 * {@code layer4.1} in a ResNet's {@code layer4.1.conv2.weight}); a name without a numeric segment before its last is
 * its own first segment ({@code fc} in {@code fc.weight}). A <em>layer</em> is the name without its last segment
 * ({@code 12.expand3x3}, see {@link ParameterInfo#layer()}). Both are listed in the order of their first appearance
 * in the base, which is the order of the forward pass for a {@code Sequential}.
 *
 * <p>BatchNorm running statistics ({@code running_mean}, {@code running_var}) are never made trainable, even
 * when selected: gradients cannot train them and PyTorch fails if asked to. Whether fine-tuning may let them move
 * (BatchNorm in training mode) is the separate flag {@link #isTrainBatchNormStatistics()}, left to the caller;
 * BatchNorm's gamma and beta follow the selection like any weight.
 */
public final class UnfreezeSelector {

    private static final int MAXIMUM_LISTED_NAMES = 60;
    private static final int LISTED_NAMES_AT_START = 10;

    private final UnfreezeStrategy strategy;
    private final int topBlocks;
    private final String layerName;
    private final Pattern pattern;
    private final boolean trainBatchNormStatistics;

    private UnfreezeSelector(final Builder builder) {
        this.strategy = builder.strategy;
        this.topBlocks = strategy == UnfreezeStrategy.TOP_BLOCKS ? builder.topBlocks : 0;
        this.layerName = strategy == UnfreezeStrategy.FROM_LAYER ? builder.layerName.strip() : null;
        this.pattern = strategy == UnfreezeStrategy.PATTERN ? builder.compiledPattern : null;
        this.trainBatchNormStatistics = builder.trainBatchNormStatistics;
    }

    /** Creates a builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The strategy. */
    public UnfreezeStrategy getStrategy() {
        return strategy;
    }

    /** How many top blocks {@link UnfreezeStrategy#TOP_BLOCKS} unfreezes; 0 for other strategies. */
    public int getTopBlocks() {
        return topBlocks;
    }

    /** The layer {@link UnfreezeStrategy#FROM_LAYER} starts from; {@code null} for other strategies. */
    public String getLayerName() {
        return layerName;
    }

    /** The regular expression of {@link UnfreezeStrategy#PATTERN}; {@code null} for other strategies. */
    public String getPattern() {
        return pattern == null ? null : pattern.pattern();
    }

    /**
     * Whether BatchNorm layers may update their running statistics while fine-tuning (BatchNorm in training
     * mode). Gradients never train the statistics; this flag only tells the caller how to run BatchNorm.
     */
    public boolean isTrainBatchNormStatistics() {
        return trainBatchNormStatistics;
    }

    /**
     * Marks the selected parameters trainable and all others frozen.
     *
     * @param baseParameters the base's parameters in the base's order (not the head's)
     * @return the same parameters in the same order, each with its trainable flag set; running statistics are
     *         always frozen
     * @throws IllegalArgumentException if the selection names a layer or pattern the base does not have; the message
     *         lists the base's layers. A number of top blocks above the base's unfreezes every block
     *         ({@link #warningFor(List)} says so).
     */
    public List<ParameterInfo> apply(final List<ParameterInfo> baseParameters) {
        Objects.requireNonNull(baseParameters, "baseParameters");
        final boolean[] selected = select(baseParameters);
        final List<ParameterInfo> result = new ArrayList<>(baseParameters.size());
        for (int index = 0; index < baseParameters.size(); index++) {
            final ParameterInfo parameter = baseParameters.get(index);
            result.add(parameter.withTrainable(selected[index] && !parameter.isRunningStatistic()));
        }
        return Collections.unmodifiableList(result);
    }

    /**
     * The distinct layers of a base ({@link ParameterInfo#layer()}) in order of first appearance, e.g.
     * {@code 0, 3.squeeze, 3.expand1x1, 3.expand3x3, 4.squeeze, ...} for SqueezeNet.
     *
     * @param parameters the parameters
     * @return the layer names
     */
    public static List<String> layerNames(final List<ParameterInfo> parameters) {
        final Set<String> names = new LinkedHashSet<>();
        for (final ParameterInfo parameter : parameters) {
            names.add(parameter.layer());
        }
        return List.copyOf(names);
    }

    /**
     * The distinct blocks of a base in order of first appearance, e.g. {@code 0, 3, 4, 6, 7, 9, 10, 11, 12} for
     * SqueezeNet's features, {@code features.0, ..., features.12, classifier.1} for the whole torchvision SqueezeNet.
     *
     * @param parameters the parameters
     * @return the block names
     */
    public static List<String> blockNames(final List<ParameterInfo> parameters) {
        final Set<String> names = new LinkedHashSet<>();
        for (final ParameterInfo parameter : parameters) {
            names.add(blockOf(parameter.name()));
        }
        return List.copyOf(names);
    }

    /**
     * How many blocks {@link UnfreezeStrategy#TOP_BLOCKS} unfreezes in a base: the count asked for, or every block of
     * a base that has fewer (as {@code layers[-n:]} does in Python). 0 for other strategies.
     *
     * @param baseParameters the base's parameters
     * @return the number of blocks unfrozen
     */
    public int topBlocksIn(final List<ParameterInfo> baseParameters) {
        return Math.min(topBlocks, blockNames(baseParameters).size());
    }

    /**
     * Why the selection does less than it says in a base, or {@code null} when it does what it says: today, when
     * {@link UnfreezeStrategy#TOP_BLOCKS} asks for more blocks than the base has and every block is unfrozen.
     *
     * @param baseParameters the base's parameters
     * @return the warning, e.g. {@code the base has only 4 blocks (0, 1, 2, 3), fewer than the top 7 asked for: all 4
     *         are unfrozen}, or {@code null}
     */
    public String warningFor(final List<ParameterInfo> baseParameters) {
        final List<String> blocks = blockNames(baseParameters);
        if (strategy != UnfreezeStrategy.TOP_BLOCKS || topBlocks <= blocks.size()) {
            return null;
        }
        return "the base has only " + blocks.size() + (blocks.size() == 1 ? " block (" : " blocks (") + listNames(blocks)
                + "), fewer than the top " + topBlocks + " asked for: " + (blocks.size() == 1 ? "it is" : "all " + blocks.size() + " are")
                + " unfrozen";
    }

    /**
     * The description of what the selection does in a base, for the model's manifest: {@link #toString()}, except that
     * a {@link UnfreezeStrategy#TOP_BLOCKS} count above the base's blocks reads e.g. {@code top 4 blocks (all; 7 asked)}.
     *
     * @param baseParameters the base's parameters
     * @return the description
     */
    public String describe(final List<ParameterInfo> baseParameters) {
        if (strategy != UnfreezeStrategy.TOP_BLOCKS) {
            return toString();
        }
        final int count = topBlocksIn(baseParameters);
        if (count == topBlocks) {
            return toString();
        }
        final String selection = "top " + count + (count == 1 ? " block" : " blocks") + " (all; " + topBlocks + " asked)";
        return trainBatchNormStatistics ? selection + ", BatchNorm statistics updated" : selection;
    }

    /** A short description for logs and metadata, e.g. {@code top 2 blocks} or {@code from layer 12}. */
    @Override
    public String toString() {
        final String selection;
        switch (strategy) {
            case TOP_BLOCKS:
                selection = "top " + topBlocks + (topBlocks == 1 ? " block" : " blocks");
                break;
            case FROM_LAYER:
                selection = "from layer " + layerName;
                break;
            case PATTERN:
                selection = "parameters matching " + pattern.pattern();
                break;
            case ALL:
                selection = "all layers";
                break;
            default:
                selection = "no layers";
                break;
        }
        return trainBatchNormStatistics ? selection + ", BatchNorm statistics updated" : selection;
    }

    private boolean[] select(final List<ParameterInfo> parameters) {
        final boolean[] selected = new boolean[parameters.size()];
        switch (strategy) {
            case TOP_BLOCKS:
                selectTopBlocks(parameters, selected);
                break;
            case FROM_LAYER:
                selectFromLayer(parameters, selected);
                break;
            case PATTERN:
                selectPattern(parameters, selected);
                break;
            case ALL:
                Arrays.fill(selected, true);
                return selected;
            default:
                return selected;
        }
        requireTrainableSelection(parameters, selected);
        return selected;
    }

    private void selectTopBlocks(final List<ParameterInfo> parameters, final boolean[] selected) {
        final List<String> blocks = blockNames(parameters);
        final int count = Math.min(topBlocks, blocks.size());
        final Set<String> top = Set.copyOf(blocks.subList(blocks.size() - count, blocks.size()));
        for (int index = 0; index < selected.length; index++) {
            selected[index] = top.contains(blockOf(parameters.get(index).name()));
        }
    }

    private void selectFromLayer(final List<ParameterInfo> parameters, final boolean[] selected) {
        final String prefix = layerName + ".";
        int first = -1;
        for (int index = 0; index < parameters.size() && first < 0; index++) {
            final String name = parameters.get(index).name();
            if (name.equals(layerName) || name.startsWith(prefix)) {
                first = index;
            }
        }
        if (first < 0) {
            throw new IllegalArgumentException("no layer named '" + layerName + "'; " + describeLayers(parameters));
        }
        Arrays.fill(selected, first, selected.length, true);
    }

    private void selectPattern(final List<ParameterInfo> parameters, final boolean[] selected) {
        boolean any = false;
        for (int index = 0; index < selected.length; index++) {
            final Matcher matcher = pattern.matcher(parameters.get(index).name());
            selected[index] = matcher.find();
            any |= selected[index];
        }
        if (!any) {
            throw new IllegalArgumentException("no parameter name matches the pattern '" + pattern.pattern() + "'; "
                    + describeLayers(parameters));
        }
    }

    private void requireTrainableSelection(final List<ParameterInfo> parameters, final boolean[] selected) {
        for (int index = 0; index < selected.length; index++) {
            if (selected[index] && !parameters.get(index).isRunningStatistic()) {
                return;
            }
        }
        if (selected.length > 0) {
            throw new IllegalArgumentException("unfreezing " + this + " selects only BatchNorm running statistics, "
                    + "which gradients never train; " + describeLayers(parameters));
        }
    }

    /** The block a parameter belongs to: its name up to the first numeric segment, else its first segment. */
    public static String blockOf(final String name) {
        final String[] segments = name.split("\\.");
        for (int i = 0; i < segments.length - 1; i++) {
            if (!segments[i].isEmpty() && segments[i].chars().allMatch(Character::isDigit)) {
                return String.join(".", Arrays.copyOfRange(segments, 0, i + 1));
            }
        }
        return segments[0];
    }

    /** The blocks that hold at least one trainable parameter, in the base's order. */
    public static List<String> trainableBlocks(final List<ParameterInfo> parameters) {
        final Set<String> names = new LinkedHashSet<>();
        for (final ParameterInfo parameter : parameters) {
            if (parameter.trainable()) {
                names.add(blockOf(parameter.name()));
            }
        }
        return List.copyOf(names);
    }

    private static String describeLayers(final List<ParameterInfo> parameters) {
        if (parameters.isEmpty()) {
            return "the base has no parameters";
        }
        final List<String> layers = layerNames(parameters);
        final List<String> blocks = blockNames(parameters);
        final String description = "layers are: " + listNames(layers);
        return blocks.equals(layers) ? description : description + " (blocks " + listNames(blocks) + ")";
    }

    private static String listNames(final List<String> names) {
        if (names.size() <= MAXIMUM_LISTED_NAMES) {
            return String.join(", ", names);
        }
        final int atEnd = MAXIMUM_LISTED_NAMES - LISTED_NAMES_AT_START;
        return String.join(", ", names.subList(0, LISTED_NAMES_AT_START)) + ", ... ("
                + (names.size() - MAXIMUM_LISTED_NAMES) + " more), "
                + String.join(", ", names.subList(names.size() - atEnd, names.size()));
    }

    /** The builder for {@link UnfreezeSelector}. */
    public static final class Builder {

        private UnfreezeStrategy strategy;
        private int topBlocks;
        private String layerName;
        private String pattern;
        private Pattern compiledPattern;
        private boolean trainBatchNormStatistics;

        Builder() {
        }

        /**
         * Sets the strategy (required).
         *
         * @param strategy the strategy
         * @return this builder
         */
        public Builder setStrategy(final UnfreezeStrategy strategy) {
            this.strategy = strategy;
            return this;
        }

        /**
         * Sets how many top blocks to unfreeze; required for {@link UnfreezeStrategy#TOP_BLOCKS}, at least 1. A base
         * with fewer blocks has all of them unfrozen ({@link UnfreezeSelector#warningFor(List)}).
         *
         * @param topBlocks the number of blocks
         * @return this builder
         */
        public Builder optTopBlocks(final int topBlocks) {
            this.topBlocks = topBlocks;
            return this;
        }

        /**
         * Sets the layer to unfreeze from; required for {@link UnfreezeStrategy#FROM_LAYER}. A block
         * ({@code 12}), a layer ({@code 12.expand3x3}) or a full parameter name.
         *
         * @param layerName the name
         * @return this builder
         */
        public Builder optLayerName(final String layerName) {
            this.layerName = layerName;
            return this;
        }

        /**
         * Sets the Java regular expression for {@link UnfreezeStrategy#PATTERN} (required there). A parameter is
         * selected when the expression is found anywhere in its name ({@link Matcher#find()}); anchor it with
         * {@code ^} and {@code $} to match whole names.
         *
         * @param pattern the regular expression
         * @return this builder
         */
        public Builder optPattern(final String pattern) {
            this.pattern = pattern;
            return this;
        }

        /**
         * Sets whether BatchNorm layers update their running statistics while fine-tuning (default
         * {@code false}: statistics stay as pretrained, as Keras does for a BatchNorm layer in inference mode).
         *
         * @param trainBatchNormStatistics whether the statistics may move
         * @return this builder
         */
        public Builder optTrainBatchNormStatistics(final boolean trainBatchNormStatistics) {
            this.trainBatchNormStatistics = trainBatchNormStatistics;
            return this;
        }

        /**
         * Builds the selector.
         *
         * @return the selector
         * @throws IllegalArgumentException if the strategy is missing or its setting is missing or invalid
         */
        public UnfreezeSelector build() {
            if (strategy == null) {
                throw new IllegalArgumentException("an unfreeze strategy is required");
            }
            compiledPattern = null;
            switch (strategy) {
                case TOP_BLOCKS:
                    if (topBlocks < 1) {
                        throw new IllegalArgumentException("the number of top blocks to unfreeze must be at least 1, "
                                + "got " + topBlocks + " (use NONE to keep the base frozen)");
                    }
                    break;
                case FROM_LAYER:
                    if (layerName == null || layerName.isBlank()) {
                        throw new IllegalArgumentException("a layer name is required to unfreeze from a layer");
                    }
                    break;
                case PATTERN:
                    if (pattern == null || pattern.isEmpty()) {
                        throw new IllegalArgumentException("a pattern is required to unfreeze by name pattern");
                    }
                    try {
                        compiledPattern = Pattern.compile(pattern);
                    } catch (final PatternSyntaxException exception) {
                        throw new IllegalArgumentException("invalid pattern '" + pattern + "': "
                                + exception.getDescription() + " near index " + exception.getIndex(), exception);
                    }
                    break;
                default:
                    break;
            }
            return new UnfreezeSelector(this);
        }
    }
}
