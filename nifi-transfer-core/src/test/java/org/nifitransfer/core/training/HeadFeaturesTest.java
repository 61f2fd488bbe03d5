package org.nifitransfer.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.dataset.DatasetFormatException;
import org.nifitransfer.core.model.BaseModel;

/** A feature dataset read for head training: under a memory limit, with its base, and the class weights it implies. */
class HeadFeaturesTest {

    @TempDir
    static Path work;

    private static byte[] train;
    private static byte[] validation;
    private static byte[] withoutBase;

    @BeforeAll
    static void features() throws Exception {
        try (BaseModel base = BaseModel.builder().setLocation(StripeDatasets.fixture("tiny_base.pt").toString()).load()) {
            train = StripeModels.features(base, StripeDatasets.tensors("train", 6, 32, 1));
            validation = StripeModels.features(base, StripeDatasets.tensors("validation", 3, 32, 2));
            final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            org.nifitransfer.core.model.FeatureExtractor.builder().setBase(base).build().extract(new ByteArrayInputStream(
                    StripeDatasets.tensors("train", 3, 32, 3)), out, false, org.nifitransfer.core.pipeline.Cancellation.NONE, done -> { });
            withoutBase = out.toByteArray();
        }
    }

    private static HeadFeatures read(final byte[] dataset, final String folder) throws Exception {
        return HeadFeatures.read(new ByteArrayInputStream(dataset), Files.createDirectories(work.resolve(folder)), Long.MAX_VALUE);
    }

    @Test
    void aDatasetIsReadWholeWithItsBaseAndItsParameters() throws Exception {
        final HeadFeatures features = read(train, "whole");
        assertEquals(12, features.labels().length);
        assertEquals(12 * features.manifest().features().dimension(), features.features().length);
        assertTrue(Files.size(features.baseFile()) > 0, "the embedded base, copied out");
        assertEquals(6, features.baseParameters().size(), "three convolutions' weights and biases: " + features.baseParameters());
        HeadFeatures.checkPair(features, read(validation, "pair"));
    }

    @Test
    void featuresThatWouldNotFitInMemoryAreRefusedSayingWhatToDo() {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> HeadFeatures.read(new ByteArrayInputStream(train), work, 100));
        assertTrue(error.getMessage().contains("do not fit in memory") && error.getMessage().contains("give NiFi more heap"), error.getMessage());
    }

    @Test
    void classWeightsAreBalancedOrExplicit() throws Exception {
        final HeadFeatures features = read(train, "weights");
        assertArrayEquals(new float[] {1f, 1f}, features.balancedClassWeights(), "six of each class");
        assertArrayEquals(new float[] {1f, 2.5f}, features.explicitClassWeights("vertical=2.5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> features.explicitClassWeights("diagonal=2")).getMessage()
                .contains("is not class=weight for one of [horizontal, vertical]"));
        assertThrows(IllegalArgumentException.class, () -> features.explicitClassWeights("vertical=heavy"));
    }

    @Test
    void aTrainDatasetWithoutItsBaseCannotMakeAModel() throws Exception {
        final HeadFeatures noBase = read(withoutBase, "no-base");
        assertEquals(null, noBase.baseFile());
        assertTrue(assertThrows(DatasetFormatException.class, () -> HeadFeatures.checkPair(noBase, read(validation, "again"))).getMessage()
                .contains("does not embed its base file"));
    }
}
