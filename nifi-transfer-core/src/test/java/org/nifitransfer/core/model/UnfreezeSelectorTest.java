package org.nifitransfer.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnfreezeSelectorTest {

    private static final List<ParameterInfo> SQUEEZE_NET = TestParameters.squeezeNet();
    private static final List<ParameterInfo> BATCH_NORM = TestParameters.batchNormBase();

    @Test
    void blocksAndLayersInOrderOfFirstAppearance() {
        assertEquals(List.of("0", "3", "4", "6", "7", "9", "10", "11", "12"), UnfreezeSelector.blockNames(SQUEEZE_NET));
        final List<String> layers = UnfreezeSelector.layerNames(SQUEEZE_NET);
        assertEquals(25, layers.size());
        assertEquals(List.of("0", "3.squeeze", "3.expand1x1", "3.expand3x3", "4.squeeze"), layers.subList(0, 5));
        assertEquals("12.expand3x3", layers.getLast());
        assertEquals(List.of("0.conv", "0.bn", "1.conv", "1.bn"), UnfreezeSelector.layerNames(BATCH_NORM));
    }

    @Test
    void topTwoBlocksSelectsExactlyBlocksElevenAndTwelve() {
        final List<ParameterInfo> result = selector(UnfreezeStrategy.TOP_BLOCKS).optTopBlocks(2).build().apply(SQUEEZE_NET);
        assertOrderPreserved(SQUEEZE_NET, result);
        assertEquals(12, trainableNames(result).size());
        for (final ParameterInfo parameter : result) {
            final boolean expected = parameter.name().startsWith("11.") || parameter.name().startsWith("12.");
            assertEquals(expected, parameter.trainable(), parameter.name());
        }
    }

    @Test
    void topBlocksCountsDistinctBlocksNotIndices() {
        final UnfreezeSelector nine = selector(UnfreezeStrategy.TOP_BLOCKS).optTopBlocks(9).build();
        final List<ParameterInfo> result = nine.apply(SQUEEZE_NET);
        assertTrue(result.stream().allMatch(ParameterInfo::trainable));
        assertEquals(9, nine.topBlocksIn(SQUEEZE_NET));
        assertNull(nine.warningFor(SQUEEZE_NET), "9 of 9 blocks is what was asked");
        assertEquals("top 9 blocks", nine.describe(SQUEEZE_NET));

        final UnfreezeSelector seven = selector(UnfreezeStrategy.TOP_BLOCKS).optTopBlocks(7).build();
        assertEquals(List.of("4", "6", "7", "9", "10", "11", "12"), UnfreezeSelector.trainableBlocks(seven.apply(SQUEEZE_NET)));
        assertEquals(7, seven.topBlocksIn(SQUEEZE_NET));
        assertNull(seven.warningFor(SQUEEZE_NET));
    }

    @Test
    void moreTopBlocksThanTheBaseHasUnfreezesEveryBlockAndSaysSo() {
        final UnfreezeSelector ten = selector(UnfreezeStrategy.TOP_BLOCKS).optTopBlocks(10).build();
        final List<ParameterInfo> result = ten.apply(SQUEEZE_NET);
        assertOrderPreserved(SQUEEZE_NET, result);
        assertTrue(result.stream().allMatch(ParameterInfo::trainable), "every block, as layers[-10:] would in Python");
        assertEquals(9, ten.topBlocksIn(SQUEEZE_NET));
        assertEquals("the base has only 9 blocks (0, 3, 4, 6, 7, 9, 10, 11, 12), fewer than the top 10 asked for: all 9 are unfrozen",
                ten.warningFor(SQUEEZE_NET));
        assertEquals("top 9 blocks (all; 10 asked)", ten.describe(SQUEEZE_NET));
        assertEquals("top 10 blocks", ten.toString(), "the setting itself, without a base");

        final UnfreezeSelector withStatistics = selector(UnfreezeStrategy.TOP_BLOCKS).optTopBlocks(7).optTrainBatchNormStatistics(true).build();
        final List<ParameterInfo> batchNorm = withStatistics.apply(BATCH_NORM);
        assertEquals(UnfreezeSelector.blockNames(BATCH_NORM), UnfreezeSelector.trainableBlocks(batchNorm));
        assertTrue(batchNorm.stream().filter(ParameterInfo::isRunningStatistic).noneMatch(ParameterInfo::trainable),
                "running statistics stay out of the gradients even when every block is unfrozen");
        assertEquals("top 2 blocks (all; 7 asked), BatchNorm statistics updated", withStatistics.describe(BATCH_NORM));
        assertTrue(withStatistics.warningFor(BATCH_NORM).startsWith("the base has only 2 blocks (0, 1), fewer than the top 7"),
                withStatistics.warningFor(BATCH_NORM));

        final UnfreezeSelector fromLayer = selector(UnfreezeStrategy.FROM_LAYER).optLayerName("12").build();
        assertNull(fromLayer.warningFor(SQUEEZE_NET));
        assertEquals(0, fromLayer.topBlocksIn(SQUEEZE_NET));
        assertEquals("from layer 12", fromLayer.describe(SQUEEZE_NET));
    }

    @Test
    void nestedNamesOfAWholeClassifierCountTheirSequentialIndices() {
        // torchvision's whole SqueezeNet: features.N (a Sequential) then classifier.1 (its final 1x1 convolution)
        final List<ParameterInfo> whole = new ArrayList<>();
        for (final ParameterInfo parameter : SQUEEZE_NET) {
            whole.add(new ParameterInfo("features." + parameter.name(), parameter.shape(), parameter.type(), false));
        }
        whole.add(new ParameterInfo("classifier.1.weight", new long[] {1000, 512, 1, 1}, "weight", false));
        whole.add(new ParameterInfo("classifier.1.bias", new long[] {1000}, "bias", false));
        assertEquals(List.of("features.0", "features.3", "features.4", "features.6", "features.7", "features.9", "features.10",
                "features.11", "features.12", "classifier.1"), UnfreezeSelector.blockNames(whole));

        final List<ParameterInfo> result = selector(UnfreezeStrategy.TOP_BLOCKS).optTopBlocks(2).build().apply(whole);
        assertEquals(List.of("features.12", "classifier.1"), UnfreezeSelector.trainableBlocks(result),
                "the top 2 of 10 blocks, not the whole network");
        assertEquals(8, trainableNames(result).size());
    }

    @Test
    void aBlockIsTheNameUpToItsFirstIndex() {
        assertEquals("12", UnfreezeSelector.blockOf("12.expand3x3.weight"));
        assertEquals("18", UnfreezeSelector.blockOf("18.1.bias"));
        assertEquals("1", UnfreezeSelector.blockOf("1.conv.0.0.weight"));
        assertEquals("layer4.1", UnfreezeSelector.blockOf("layer4.1.conv2.weight"));
        assertEquals("fc", UnfreezeSelector.blockOf("fc.weight"));
        assertEquals("conv1", UnfreezeSelector.blockOf("conv1.weight"));
        assertEquals("weight", UnfreezeSelector.blockOf("weight"));
    }

    @Test
    void fromBlockSelectsTheWholeBlock() {
        final List<ParameterInfo> result = fromLayer("12");
        assertOrderPreserved(SQUEEZE_NET, result);
        assertEquals(List.of("12.squeeze.weight", "12.squeeze.bias", "12.expand1x1.weight", "12.expand1x1.bias",
                "12.expand3x3.weight", "12.expand3x3.bias"), trainableNames(result));
    }

    @Test
    void fromLayerSelectsItAndEverythingAfter() {
        final List<String> trainable = trainableNames(fromLayer("11.expand1x1"));
        assertEquals(10, trainable.size());
        assertEquals("11.expand1x1.weight", trainable.getFirst());
        assertEquals("12.expand3x3.bias", trainable.getLast());
        assertEquals(List.of("12.expand3x3.bias"), trainableNames(fromLayer("12.expand3x3.bias")));
    }

    @Test
    void fromLayerDoesNotMatchAPrefixOfAnotherName() {
        // "1" is not block 10, 11 or 12, and the SqueezeNet base has no block 1
        assertThrows(IllegalArgumentException.class, () -> fromLayer("1"));
    }

    @Test
    void unknownLayerFailsListingTheLayers() {
        final IllegalArgumentException exception = assertThrows(IllegalArgumentException.class,
                () -> fromLayer("block5"));
        final String message = exception.getMessage();
        assertTrue(message.startsWith("no layer named 'block5'; layers are: 0, 3.squeeze, 3.expand1x1, "), message);
        assertTrue(message.contains("12.squeeze, 12.expand1x1, 12.expand3x3 (blocks 0, 3, 4, 6, 7, 9, 10, 11, 12)"),
                message);
    }

    @Test
    void patternUsesFind() {
        final UnfreezeSelector blockTwelve = selector(UnfreezeStrategy.PATTERN).optPattern("^12\\.").build();
        assertEquals(trainableNames(fromLayer("12")), trainableNames(blockTwelve.apply(SQUEEZE_NET)));

        final List<ParameterInfo> result = selector(UnfreezeStrategy.PATTERN).optPattern("expand3x3").build()
                .apply(SQUEEZE_NET);
        assertOrderPreserved(SQUEEZE_NET, result);
        final List<String> trainable = trainableNames(result);
        assertEquals(16, trainable.size());
        assertTrue(trainable.stream().allMatch(name -> name.contains(".expand3x3.")), trainable.toString());
    }

    @Test
    void patternMatchingNothingFails() {
        final UnfreezeSelector selector = selector(UnfreezeStrategy.PATTERN).optPattern("^block5_conv1").build();
        final IllegalArgumentException exception = assertThrows(IllegalArgumentException.class,
                () -> selector.apply(SQUEEZE_NET));
        assertTrue(exception.getMessage().startsWith("no parameter name matches the pattern '^block5_conv1'; layers are: 0, "),
                exception.getMessage());
    }

    @Test
    void invalidPatternFailsWhenBuilt() {
        final IllegalArgumentException exception = assertThrows(IllegalArgumentException.class,
                () -> selector(UnfreezeStrategy.PATTERN).optPattern("expand(").build());
        assertTrue(exception.getMessage().startsWith("invalid pattern 'expand('"), exception.getMessage());
    }

    @Test
    void missingSettingsFailWhenBuilt() {
        assertThrows(IllegalArgumentException.class, () -> UnfreezeSelector.builder().build());
        assertThrows(IllegalArgumentException.class, () -> selector(UnfreezeStrategy.TOP_BLOCKS).build());
        assertThrows(IllegalArgumentException.class, () -> selector(UnfreezeStrategy.FROM_LAYER).optLayerName(" ").build());
        assertThrows(IllegalArgumentException.class, () -> selector(UnfreezeStrategy.PATTERN).build());
    }

    @Test
    void allMakesEverythingTrainable() {
        final List<ParameterInfo> result = selector(UnfreezeStrategy.ALL).build().apply(SQUEEZE_NET);
        assertOrderPreserved(SQUEEZE_NET, result);
        assertTrue(result.stream().allMatch(ParameterInfo::trainable));
    }

    @Test
    void noneFreezesEverything() {
        final List<ParameterInfo> allTrainable = selector(UnfreezeStrategy.ALL).build().apply(SQUEEZE_NET);
        final List<ParameterInfo> result = selector(UnfreezeStrategy.NONE).build().apply(allTrainable);
        assertOrderPreserved(SQUEEZE_NET, result);
        assertTrue(result.stream().noneMatch(ParameterInfo::trainable));
    }

    @Test
    void runningStatisticsStayFrozenUnderAll() {
        final UnfreezeSelector selector = selector(UnfreezeStrategy.ALL).optTrainBatchNormStatistics(true).build();
        assertTrue(selector.isTrainBatchNormStatistics());
        final List<ParameterInfo> result = selector.apply(BATCH_NORM);
        assertOrderPreserved(BATCH_NORM, result);
        for (final ParameterInfo parameter : result) {
            assertEquals(!parameter.isRunningStatistic(), parameter.trainable(), parameter.name());
        }
    }

    @Test
    void batchNormGammaAndBetaFollowTheSelection() {
        final UnfreezeSelector selector = selector(UnfreezeStrategy.TOP_BLOCKS).optTopBlocks(1).build();
        assertFalse(selector.isTrainBatchNormStatistics());
        assertEquals(List.of("1.conv.weight", "1.bn.weight", "1.bn.bias"), trainableNames(selector.apply(BATCH_NORM)));
        assertEquals(List.of("1.bn.weight", "1.bn.bias"), trainableNames(
                selector(UnfreezeStrategy.FROM_LAYER).optLayerName("1.bn").build().apply(BATCH_NORM)));
    }

    @Test
    void selectingOnlyRunningStatisticsFails() {
        final UnfreezeSelector selector = selector(UnfreezeStrategy.PATTERN).optPattern("running_").build();
        final IllegalArgumentException exception = assertThrows(IllegalArgumentException.class,
                () -> selector.apply(BATCH_NORM));
        assertTrue(exception.getMessage().contains("only BatchNorm running statistics"), exception.getMessage());
    }

    @Test
    void keepsKerasStyleNamesAsOneBlockPerLayer() {
        final List<ParameterInfo> keras = List.of(
                new ParameterInfo("block4_conv3.weight", new long[] {512, 512, 3, 3}, "weight", false),
                new ParameterInfo("block4_conv3.bias", new long[] {512}, "bias", false),
                new ParameterInfo("block5_conv1.weight", new long[] {512, 512, 3, 3}, "weight", false),
                new ParameterInfo("block5_conv1.bias", new long[] {512}, "bias", false));
        assertEquals(List.of("block5_conv1.weight", "block5_conv1.bias"), trainableNames(
                selector(UnfreezeStrategy.FROM_LAYER).optLayerName("block5_conv1").build().apply(keras)));
        final IllegalArgumentException exception = assertThrows(IllegalArgumentException.class,
                () -> selector(UnfreezeStrategy.FROM_LAYER).optLayerName("block5").build().apply(keras));
        assertEquals("no layer named 'block5'; layers are: block4_conv3, block5_conv1", exception.getMessage());
    }

    @Test
    void describesItself() {
        assertEquals("top 2 blocks", selector(UnfreezeStrategy.TOP_BLOCKS).optTopBlocks(2).build().toString());
        assertEquals("from layer 12", selector(UnfreezeStrategy.FROM_LAYER).optLayerName(" 12 ").build().toString());
        assertEquals(UnfreezeStrategy.PATTERN, UnfreezeStrategy.fromName("name pattern"));
        assertEquals(UnfreezeStrategy.FROM_LAYER, UnfreezeStrategy.fromName("FROM_LAYER"));
    }

    private static UnfreezeSelector.Builder selector(final UnfreezeStrategy strategy) {
        return UnfreezeSelector.builder().setStrategy(strategy);
    }

    private static List<ParameterInfo> fromLayer(final String layerName) {
        return selector(UnfreezeStrategy.FROM_LAYER).optLayerName(layerName).build().apply(SQUEEZE_NET);
    }

    private static List<String> trainableNames(final List<ParameterInfo> parameters) {
        final List<String> names = new ArrayList<>();
        for (final ParameterInfo parameter : parameters) {
            if (parameter.trainable()) {
                names.add(parameter.name());
            }
        }
        return names;
    }

    private static void assertOrderPreserved(final List<ParameterInfo> expected, final List<ParameterInfo> actual) {
        assertEquals(expected.size(), actual.size());
        for (int index = 0; index < expected.size(); index++) {
            assertEquals(expected.get(index).name(), actual.get(index).name());
            assertEquals(expected.get(index).type(), actual.get(index).type());
        }
    }
}
