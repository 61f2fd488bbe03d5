package org.nifitransfer.core.augment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AugmentationRecipeTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static AugmentationRecipe kerasTutorialRecipe() {
        return AugmentationRecipe.builder()
                .optRotationRange(40)
                .optWidthShiftRange(0.2)
                .optHeightShiftRange(0.2)
                .optShearRange(20)
                .optZoomRange(0.2)
                .optHorizontalFlip(true)
                .optBrightnessRange(0.5, 1.5)
                .optFillMode(FillMode.REFLECT)
                .optFillValue(128)
                .optInterpolation(WarpInterpolation.NEAREST)
                .build();
    }

    @Test
    void singleValuesMeanKerasRanges() {
        final AugmentationRecipe recipe = kerasTutorialRecipe();
        assertEquals(new ValueRange(-40, 40), recipe.getRotation());
        assertEquals(new ValueRange(-0.2, 0.2), recipe.getWidthShift());
        assertEquals(new ValueRange(-0.2, 0.2), recipe.getHeightShift());
        assertEquals(new ValueRange(-20, 20), recipe.getShear());
        assertEquals(new ValueRange(0.8, 1.2), recipe.getZoom());
        assertEquals(Optional.of(new ValueRange(0.5, 1.5)), recipe.getBrightness());
        assertTrue(recipe.isHorizontalFlip());
        assertFalse(recipe.isVerticalFlip());
    }

    @Test
    void defaultsAreTheIdentityWithKerasFill() {
        final AugmentationRecipe recipe = AugmentationRecipe.builder().build();
        assertTrue(recipe.isIdentity());
        assertEquals(AugmentationRecipe.identity(), recipe);
        assertEquals(ValueRange.ZERO, recipe.getRotation());
        assertEquals(ValueRange.ONE, recipe.getZoom());
        assertEquals(Optional.empty(), recipe.getBrightness());
        assertEquals(FillMode.NEAREST, recipe.getFillMode());
        assertEquals(0, recipe.getFillValue());
        assertEquals(WarpInterpolation.BILINEAR, recipe.getInterpolation());
    }

    @Test
    void identityIgnoresFillSettingsButNotAnyVariation() {
        assertTrue(AugmentationRecipe.builder().optRotationRange(0).optZoomRange(0).optBrightnessRange(1, 1)
                .optFillMode(FillMode.CONSTANT).build().isIdentity());
        assertFalse(AugmentationRecipe.builder().optRotationRange(1).build().isIdentity());
        assertFalse(AugmentationRecipe.builder().optRotationRange(90, 90).build().isIdentity());
        assertFalse(AugmentationRecipe.builder().optWidthShiftRange(0.1).build().isIdentity());
        assertFalse(AugmentationRecipe.builder().optShearRange(5).build().isIdentity());
        assertFalse(AugmentationRecipe.builder().optZoomRange(2, 2).build().isIdentity());
        assertFalse(AugmentationRecipe.builder().optVerticalFlip(true).build().isIdentity());
        assertFalse(AugmentationRecipe.builder().optBrightnessRange(0.5, 0.5).build().isIdentity());
    }

    @Test
    void jsonUsesStableFieldNamesAndPairs() throws JsonProcessingException {
        final JsonNode json = MAPPER.readTree(MAPPER.writeValueAsString(kerasTutorialRecipe()));
        final List<String> names = List.of("rotation", "widthShift", "heightShift", "shear", "zoom", "horizontalFlip",
                "verticalFlip", "brightness", "fillMode", "fillValue", "interpolation");
        final List<String> actualNames = new ArrayList<>();
        json.fieldNames().forEachRemaining(actualNames::add);
        assertEquals(names, actualNames);
        assertEquals(-40.0, json.get("rotation").get(0).doubleValue());
        assertEquals(40.0, json.get("rotation").get(1).doubleValue());
        assertEquals(2, json.get("zoom").size());
        assertEquals(0.8, json.get("zoom").get(0).doubleValue(), 1e-12);
        assertTrue(json.get("horizontalFlip").booleanValue());
        assertEquals("reflect", json.get("fillMode").textValue());
        assertEquals(128, json.get("fillValue").intValue());
        assertEquals("nearest", json.get("interpolation").textValue());
    }

    @Test
    void jsonRoundTripGivesAnEqualRecipe() throws JsonProcessingException {
        final AugmentationRecipe recipe = kerasTutorialRecipe();
        final String json = MAPPER.writeValueAsString(recipe);
        assertEquals(recipe, MAPPER.readValue(json, AugmentationRecipe.class));
        final AugmentationRecipe identity = AugmentationRecipe.identity();
        assertEquals(identity, MAPPER.readValue(MAPPER.writeValueAsString(identity), AugmentationRecipe.class));
    }

    @Test
    void jsonLeavesOutAbsentBrightness() throws JsonProcessingException {
        final JsonNode json = MAPPER.readTree(MAPPER.writeValueAsString(AugmentationRecipe.identity()));
        assertFalse(json.has("brightness"));
    }

    @Test
    void jsonFillsMissingFieldsWithDefaultsAndReadsAnyCase() throws JsonProcessingException {
        final AugmentationRecipe recipe = MAPPER.readValue(
                "{\"rotation\": [90, 90], \"fillMode\": \"CONSTANT\", \"fillValue\": 255}", AugmentationRecipe.class);
        assertEquals(AugmentationRecipe.builder().optRotationRange(90, 90).optFillMode(FillMode.CONSTANT)
                .optFillValue(255).build(), recipe);
        assertEquals(AugmentationRecipe.identity(), MAPPER.readValue("{}", AugmentationRecipe.class));
    }

    @Test
    void jsonIsValidatedLikeTheBuilder() {
        final Exception reversed = assertThrows(JsonProcessingException.class,
                () -> MAPPER.readValue("{\"rotation\": [40, -40]}", AugmentationRecipe.class));
        assertTrue(reversed.getMessage().contains("rotationRange"), reversed.getMessage());
        assertThrows(JsonProcessingException.class,
                () -> MAPPER.readValue("{\"zoom\": [0.5, 1, 2]}", AugmentationRecipe.class));
        assertThrows(JsonProcessingException.class,
                () -> MAPPER.readValue("{\"fillMode\": \"mirror\"}", AugmentationRecipe.class));
    }

    @Test
    void toBuilderCopiesEverySetting() {
        final AugmentationRecipe recipe = kerasTutorialRecipe();
        assertEquals(recipe, recipe.toBuilder().build());
        assertEquals(FillMode.WRAP, recipe.toBuilder().optFillMode(FillMode.WRAP).build().getFillMode());
    }

    private static void assertRejected(final AugmentationRecipe.Builder builder, final String expectedInMessage) {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class, builder::build);
        assertTrue(error.getMessage().contains(expectedInMessage),
                "expected '" + expectedInMessage + "' in: " + error.getMessage());
    }

    @Test
    void buildRejectsRangesOutOfOrderOrBounds() {
        assertRejected(AugmentationRecipe.builder().optRotationRange(-5), "rotationRange [5.0, -5.0] is out of order");
        assertRejected(AugmentationRecipe.builder().optRotationRange(10, 0), "rotationRange");
        assertRejected(AugmentationRecipe.builder().optWidthShiftRange(1.5), "widthShiftRange");
        assertRejected(AugmentationRecipe.builder().optHeightShiftRange(0.3, 0.1), "heightShiftRange");
        assertRejected(AugmentationRecipe.builder().optShearRange(90), "shearRange");
        assertRejected(AugmentationRecipe.builder().optZoomRange(1.5), "zoomRange");
        assertRejected(AugmentationRecipe.builder().optZoomRange(0, 1), "zoom factors must be positive");
        assertRejected(AugmentationRecipe.builder().optZoomRange(2, 1), "zoomRange");
        assertRejected(AugmentationRecipe.builder().optBrightnessRange(-0.5, 1), "brightnessRange");
        assertRejected(AugmentationRecipe.builder().optBrightnessRange(1.5, 0.5), "brightnessRange");
        assertRejected(AugmentationRecipe.builder().optFillValue(-1), "fillValue");
        assertRejected(AugmentationRecipe.builder().optFillValue(256), "fillValue");
        assertRejected(AugmentationRecipe.builder().optFillMode(null), "fillMode");
        assertRejected(AugmentationRecipe.builder().optInterpolation(null), "interpolation");
    }

    @Test
    void rangesRejectNonFiniteBounds() {
        assertThrows(IllegalArgumentException.class, () -> AugmentationRecipe.builder().optRotationRange(Double.NaN));
        assertThrows(IllegalArgumentException.class,
                () -> AugmentationRecipe.builder().optZoomRange(1, Double.POSITIVE_INFINITY));
    }
}
