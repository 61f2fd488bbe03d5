package org.nifitransfer.core.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class FeatureShardTest {

    @Test
    void concatenatesRowsLabelsAndFilesInOrder() {
        final FeatureShard first = new FeatureShard(2, 3, new float[] {1, 2, 3, 4, 5, 6}, new int[] {0, 1}, List.of("a", "b"));
        final FeatureShard second = new FeatureShard(1, 3, new float[] {7, 8, 9}, new int[] {2}, List.of("c"));
        final FeatureShard all = FeatureShard.concat(List.of(first, second), 3);
        assertEquals(3, all.count());
        assertEquals(3, all.dimension());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, all.features());
        assertArrayEquals(new int[] {0, 1, 2}, all.labels());
        assertEquals(List.of("a", "b", "c"), all.files());
        assertEquals(0, FeatureShard.concat(List.of(), 3).count());
    }
}
