package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.nifi.components.DescribedValue;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.processor.Processor;
import org.junit.jupiter.api.Test;

/** The processors' choices: every one an enum, and those that stand for the core's enums in step with them. */
class ChoicesTest {

    /** The enums nested in the processors and TrainingSupport that are choices. */
    private static List<Class<?>> choiceEnums() throws Exception {
        final List<Class<?>> enums = new ArrayList<>();
        final List<Class<?>> owners = new ArrayList<>(BundleProcessors.all());
        owners.add(TrainingSupport.class);
        for (final Class<?> owner : owners) {
            Arrays.stream(owner.getDeclaredClasses()).filter(type -> type.isEnum() && DescribedValue.class.isAssignableFrom(type)).forEach(enums::add);
        }
        return enums;
    }

    @Test
    void aChoiceThatStandsForACoreEnumOffersEachOfItsConstantsAndNoOther() throws Exception {
        int checked = 0;
        for (final Class<?> type : choiceEnums()) {
            if (!CoreChoice.class.isAssignableFrom(type)) {
                continue;
            }
            final Object[] constants = type.getEnumConstants();
            final Enum<?> first = (Enum<?>) ((CoreChoice<?>) constants[0]).core();
            final Set<String> core = Arrays.stream(first.getDeclaringClass().getEnumConstants()).map(Enum::name).collect(Collectors.toSet());
            final Set<String> offered = Arrays.stream(constants).map(constant -> ((Enum<?>) constant).name()).collect(Collectors.toSet());
            assertEquals(core, offered, type.getName() + " against " + first.getDeclaringClass().getName());
            for (final Object constant : constants) {
                final CoreChoice<?> choice = (CoreChoice<?>) constant;
                assertEquals(((Enum<?>) constant).name(), ((Enum<?>) choice.core()).name());
                assertFalse(choice.getValue().isBlank() || choice.getDisplayName().isBlank() || choice.getDescription().isBlank(), constant.toString());
            }
            checked++;
        }
        assertEquals(10, checked, "Optimizer, Schedule, Strategy, FeaturePooling, Resize, Sampling (both), Fill, Channels, Augmentation");
    }

    @Test
    void everyPropertyWithAFixedSetOfValuesOffersAChoiceEnumOrTrueAndFalse() throws Exception {
        final Set<Set<String>> enumValueSets = choiceEnums().stream().map(type -> Arrays.stream(type.getEnumConstants())
                .map(constant -> ((DescribedValue) constant).getValue()).collect(Collectors.toSet())).collect(Collectors.toSet());
        enumValueSets.add(Arrays.stream(UntrainedClasses.values()).map(UntrainedClasses::getValue).collect(Collectors.toSet()));
        for (final Class<? extends Processor> processor : BundleProcessors.all()) {
            for (final PropertyDescriptor property : org.apache.nifi.util.TestRunners.newTestRunner(processor).getProcessor().getPropertyDescriptors()) {
                if (property.getAllowableValues() == null) {
                    continue;
                }
                final Set<String> values = property.getAllowableValues().stream().map(value -> value.getValue()).collect(Collectors.toSet());
                assertTrue(values.equals(Set.of("true", "false")) || enumValueSets.contains(values),
                        processor.getSimpleName() + "'s " + property.getName() + " offers " + values + ", not an enum's choices");
            }
        }
    }

    @Test
    void theValuesSavedFlowsHoldAreTheOnesTheyHeldBefore() {
        // a flow definition stores the value, so a choice that now stands for a core enum keeps the processor's old values
        assertEquals(List.of("nearest", "reflect", "wrap", "constant"), values(Augment.Fill.values()));
        assertEquals(List.of("nearest", "bilinear"), values(Augment.Sampling.values()));
        assertEquals(List.of("RGB", "BGR"), values(ResizeAndNormalize.Channels.values()));
        assertEquals(List.of("NEAREST", "BILINEAR", "BICUBIC", "AREA", "LANCZOS"), values(ResizeAndNormalize.Sampling.values()));
        assertEquals("Repeat the edge pixel: aaaa|abcd|dddd", Augment.Fill.NEAREST.getDescription());
    }

    private static List<String> values(final DescribedValue[] choices) {
        return Arrays.stream(choices).map(DescribedValue::getValue).toList();
    }
}
