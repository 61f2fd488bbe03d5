package org.nifitransfer.core.folder;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.nifitransfer.core.dataset.DatasetManifest.DroppedClass;
import org.nifitransfer.core.dataset.Splits;
import org.nifitransfer.core.folder.FolderWalk.Candidate;

/**
 * Decides which usable image goes to which split, and which classes the run has. Split folders are used as they are;
 * a missing validation or test split is carved from another, seeded and stratified (Keras' {@code validation_split},
 * the TensorFlow tutorial's test set taken from validation); class folders, or a {@code train/} folder alone, are split
 * by fractions. A class with no training image fails the scan or is dropped, as the policy says.
 */
final class SplitPlanner {

    /** The splits, their classes and how each split was made. */
    record Plan(List<String> classes, Map<String, List<FolderScan.ImageFile>> splits, Map<String, String> origins,
                List<DroppedClass> dropped) {
    }

    private final long seed;
    private final SplitFractions fractions;
    private final double validationFromTrain;
    private final double testFromValidation;
    private final UntrainedClassPolicy policy;

    SplitPlanner(final long seed, final SplitFractions fractions, final double validationFromTrain, final double testFromValidation,
                 final UntrainedClassPolicy policy) {
        this.seed = seed;
        this.fractions = fractions;
        this.validationFromTrain = validationFromTrain;
        this.testFromValidation = testFromValidation;
        this.policy = policy;
    }

    /**
     * Plans the splits.
     *
     * @param layout the layout found
     * @param usable split → class → usable files, as the folders hold them (class folders: all under train)
     * @param folders split → the folder name it came from (split folders only), for messages
     * @param warnings receives what the user should know
     * @throws FolderScanException when there is no training image at all, a class has none (policy FAIL), or fewer than
     *                             two classes remain
     */
    Plan plan(final FolderLayout layout, final Map<String, Map<String, List<Candidate>>> usable, final Map<String, String> folders,
              final List<String> warnings) throws FolderScanException {
        final Map<String, Map<String, List<Candidate>>> splits = new TreeMap<>(Comparator.comparingInt(Splits::rank));
        usable.forEach((split, byClass) -> {
            final Map<String, List<Candidate>> nonEmpty = new TreeMap<>();
            byClass.forEach((className, files) -> {
                if (!files.isEmpty()) {
                    nonEmpty.put(className, new ArrayList<>(files));
                }
            });
            if (!nonEmpty.isEmpty()) {
                splits.put(split, nonEmpty);
            }
        });
        final Map<String, String> origins = new LinkedHashMap<>();
        if (layout == FolderLayout.CLASS_FOLDERS || splits.keySet().equals(Set.of(Splits.TRAIN))) {
            final String what = layout == FolderLayout.CLASS_FOLDERS ? "class folders" : folder(folders, Splits.TRAIN) + " alone";
            splitByFractions(splits, what, origins);
        } else {
            if (!splits.containsKey(Splits.TRAIN)) {
                throw new FolderScanException("No training images: found " + describeFolders(splits, folders) + " but no train folder ("
                        + Splits.folderNames(Splits.TRAIN) + ") with usable images. A model needs a train split; the validation and "
                        + "test splits can be carved from it.");
            }
            splits.keySet().forEach(split -> origins.put(split, folder(folders, split)));
            if (!splits.containsKey(Splits.VALIDATION) && validationFromTrain > 0) {
                carve(splits, Splits.TRAIN, Splits.VALIDATION, validationFromTrain, folders, origins);
            }
            if (!splits.containsKey(Splits.TEST) && testFromValidation > 0 && splits.containsKey(Splits.VALIDATION)) {
                carve(splits, Splits.VALIDATION, Splits.TEST, testFromValidation, folders, origins);
            }
        }

        final List<DroppedClass> dropped = untrainedClasses(splits);
        if (!dropped.isEmpty()) {
            if (policy == UntrainedClassPolicy.FAIL) {
                final boolean one = dropped.size() == 1;
                throw new FolderScanException((one ? "Class " + dropped.getFirst().describe() + " has no training images"
                        : "Classes " + String.join(", ", dropped.stream().map(DroppedClass::describe).toList()) + " have no training images")
                        + ": a model trained on the other classes could never predict " + (one ? "it" : "them")
                        + ", and every one of " + (one ? "its" : "their") + " validation and test images would count as wrong. Add training "
                        + "images, remove the class folder" + (one ? "" : "s") + ", or set 'Classes Without Training "
                        + "Images' to 'Drop'");
            }
            for (final DroppedClass droppedClass : dropped) {
                splits.values().forEach(byClass -> byClass.remove(droppedClass.name()));
                warnings.add("Dropped class " + droppedClass.describe() + ": " + droppedClass.reason());
            }
            splits.values().removeIf(Map::isEmpty);
        }

        final TreeSet<String> classNames = new TreeSet<>(splits.getOrDefault(Splits.TRAIN, Map.of()).keySet());
        final List<String> classes = List.copyOf(classNames);
        final Map<String, List<FolderScan.ImageFile>> result = new LinkedHashMap<>();
        splits.forEach((split, byClass) -> {
            final List<FolderScan.ImageFile> files = new ArrayList<>();
            byClass.forEach((className, candidates) -> {
                final int label = classes.indexOf(className);
                candidates.forEach(candidate -> files.add(candidate.toImageFile(label)));
            });
            files.sort(Comparator.comparingInt(FolderScan.ImageFile::label).thenComparing(FolderScan.ImageFile::relativePath));
            if (!files.isEmpty()) {
                result.put(split, files);
            }
        });
        origins.keySet().retainAll(result.keySet());
        return new Plan(classes, result, origins, dropped);
    }

    /** Classes with images in some split but none in train. */
    private static List<DroppedClass> untrainedClasses(final Map<String, Map<String, List<Candidate>>> splits) {
        final Map<String, List<Candidate>> train = splits.getOrDefault(Splits.TRAIN, Map.of());
        final Map<String, Map<String, Integer>> missing = new TreeMap<>();
        splits.forEach((split, byClass) -> byClass.forEach((className, files) -> {
            if (!train.containsKey(className)) {
                missing.computeIfAbsent(className, c -> new LinkedHashMap<>()).put(split, files.size());
            }
        }));
        final List<DroppedClass> dropped = new ArrayList<>();
        missing.forEach((className, images) -> dropped.add(new DroppedClass(className, images, "no training images")));
        return dropped;
    }

    /** Splits one pool (class folders, or train/ alone) into train, validation and test by the fractions. */
    private void splitByFractions(final Map<String, Map<String, List<Candidate>>> splits, final String what, final Map<String, String> origins) {
        final Map<String, List<Candidate>> pool = splits.getOrDefault(Splits.TRAIN, Map.of());
        final Map<String, List<Candidate>> train = new TreeMap<>();
        final Map<String, List<Candidate>> validation = new TreeMap<>();
        final Map<String, List<Candidate>> test = new TreeMap<>();
        pool.forEach((className, candidates) -> {
            final List<Candidate> files = new ArrayList<>(candidates);
            files.sort(Comparator.comparing(Candidate::relativePath));
            Collections.shuffle(files, new Random(seed ^ className.hashCode()));
            final int count = files.size();
            // every class keeps at least one training image; validation and test give way, test first
            final int testCount = Math.min((int) Math.round(count * fractions.test()), count - 1);
            final int validationCount = Math.min((int) Math.round(count * fractions.validation()), count - 1 - testCount);
            put(test, className, files.subList(0, testCount));
            put(validation, className, files.subList(testCount, testCount + validationCount));
            put(train, className, files.subList(testCount + validationCount, count));
        });
        splits.clear();
        splits.put(Splits.TRAIN, train);
        final String text = what + " split " + fractions.percentages() + " (seeded, stratified)";
        origins.put(Splits.TRAIN, text);
        if (!validation.isEmpty()) {
            splits.put(Splits.VALIDATION, validation);
            origins.put(Splits.VALIDATION, text);
        }
        if (!test.isEmpty()) {
            splits.put(Splits.TEST, test);
            origins.put(Splits.TEST, text);
        }
    }

    /** Moves a seeded, stratified share of each class of {@code from} into a new split {@code to}; {@code from} keeps at least one. */
    private void carve(final Map<String, Map<String, List<Candidate>>> splits, final String from, final String to, final double share,
                       final Map<String, String> folders, final Map<String, String> origins) {
        final Map<String, List<Candidate>> source = splits.get(from);
        final Map<String, List<Candidate>> carved = new TreeMap<>();
        for (final Map.Entry<String, List<Candidate>> entry : source.entrySet()) {
            final List<Candidate> files = new ArrayList<>(entry.getValue());
            files.sort(Comparator.comparing(Candidate::relativePath));
            Collections.shuffle(files, new Random(seed ^ (to + "/" + entry.getKey()).hashCode()));
            final int count = Math.min((int) Math.round(files.size() * share), files.size() - 1);
            put(carved, entry.getKey(), files.subList(0, count));
            entry.setValue(new ArrayList<>(files.subList(count, files.size())));
        }
        if (carved.isEmpty()) {
            return;
        }
        splits.put(to, carved);
        final String percent = String.format(Locale.ROOT, "%.0f%%", share * 100);
        origins.put(to, "carved from " + folder(folders, from) + ": " + percent + " of each class (seeded, stratified)");
        origins.put(from, origins.get(from) + " less the " + percent + " carved for " + to);
    }

    private static void put(final Map<String, List<Candidate>> byClass, final String className, final List<Candidate> files) {
        if (!files.isEmpty()) {
            byClass.put(className, new ArrayList<>(files));
        }
    }

    private static String folder(final Map<String, String> folders, final String split) {
        return folders.getOrDefault(split, split) + "/";
    }

    private static String describeFolders(final Map<String, Map<String, List<Candidate>>> splits, final Map<String, String> folders) {
        return splits.isEmpty() ? "no split folder with images" : String.join(", ", splits.keySet().stream().map(split -> folder(folders, split)).toList());
    }
}
