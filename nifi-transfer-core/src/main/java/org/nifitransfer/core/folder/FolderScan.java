package org.nifitransfer.core.folder;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nifitransfer.core.dataset.DatasetManifest.DroppedClass;
import org.nifitransfer.core.dataset.DatasetSummary.SkippedFile;

/**
 * The result of scanning a directory: the classes, the usable images of each split, and what was left out.
 *
 * @param directory the directory scanned (as given)
 * @param layout the layout found ({@link FolderLayout#SPLIT_FOLDERS} or {@link FolderLayout#CLASS_FOLDERS})
 * @param classes the class names, sorted; a label is an index here
 * @param splits the images of each split, in the order train, validation, test; splits with no image are absent
 * @param skipped per split, files left out and why (with class folders only, run-level skips are reported with train)
 * @param warnings things the user should know that are not about one file
 * @param origins how each split was made, e.g. {@code train/} or {@code carved from train/: 10% of each class}
 * @param droppedClasses classes left out because they had no training images (when asked to drop them)
 */
public record FolderScan(Path directory, FolderLayout layout, List<String> classes, Map<String, List<ImageFile>> splits,
                         Map<String, List<SkippedFile>> skipped, List<String> warnings, Map<String, String> origins,
                         List<DroppedClass> droppedClasses) {

    public FolderScan {
        classes = List.copyOf(classes);
        splits = new LinkedHashMap<>(splits);
        skipped = new LinkedHashMap<>(skipped);
        warnings = List.copyOf(warnings);
        origins = new LinkedHashMap<>(origins);
        droppedClasses = List.copyOf(droppedClasses);
    }

    /**
     * A usable image.
     *
     * @param path the file
     * @param label the class index
     * @param relativePath the path below the class folder, {@code /}-separated
     * @param size the file size in bytes
     */
    public record ImageFile(Path path, int label, String relativePath, long size) {
    }

    /** Skipped files of {@code split}. */
    public List<SkippedFile> skippedFor(final String split) {
        return skipped.getOrDefault(split, List.of());
    }

    /** All skipped files. */
    public int skippedCount() {
        return skipped.values().stream().mapToInt(List::size).sum();
    }
}
