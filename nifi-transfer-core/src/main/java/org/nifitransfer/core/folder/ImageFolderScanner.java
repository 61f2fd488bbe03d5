package org.nifitransfer.core.folder;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import org.nifitransfer.core.dataset.DatasetManifest.DroppedClass;
import org.nifitransfer.core.dataset.DatasetSummary.SkippedFile;
import org.nifitransfer.core.dataset.Splits;

/**
 * Scans a directory of images laid out by split and class folders (or class folders only), checks every
 * candidate file, and assigns images to splits ({@link SplitPlanner}: missing validation and test splits are carved
 * from train and validation).
 *
 * <pre>{@code
 * FolderScan scan = ImageFolderScanner.builder()
 *         .setDirectory(Path.of("cats_and_dogs_filtered"))
 *         .optValidator(ImageFiles.fullDecode(decoder))
 *         .optSeed(42)
 *         .build()
 *         .scan();
 * }</pre>
 *
 * <p>Every entry under the directory that is not used is listed as skipped with a reason ({@link FolderWalk}):
 * hidden files and folders (names starting with {@code .}), files the file filter leaves out, unsupported file
 * types, empty files, files over the size limit, unreadable files, symbolic links that point outside the directory,
 * folders that are no split or named like an image, empty folders, and files the validator rejects.
 */
public final class ImageFolderScanner {

    /** The extensions of the image types read: JPEG, PNG, BMP, GIF. */
    public static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "jpe", "png", "bmp", "gif");

    private final Path directory;
    private final FolderLayout layout;
    private final Pattern fileFilter;
    private final Integer maxPerClass;
    private final long seed;
    private final SplitFractions fractions;
    private final ImageValidator validator;
    private final int threads;
    private final long maxFileSize;
    private final DirectoryLister lister;
    private final double testFromValidation;
    private final double validationFromTrain;
    private final UntrainedClassPolicy untrainedClassPolicy;

    private ImageFolderScanner(final Builder builder) {
        this.directory = builder.directory;
        this.layout = builder.layout;
        this.fileFilter = builder.fileFilter;
        this.maxPerClass = builder.maxPerClass;
        this.seed = builder.seed;
        this.fractions = builder.fractions;
        this.validator = builder.validator;
        this.threads = builder.threads;
        this.maxFileSize = builder.maxFileSize;
        this.lister = builder.lister;
        this.testFromValidation = builder.testFromValidation;
        this.validationFromTrain = builder.validationFromTrain;
        this.untrainedClassPolicy = builder.untrainedClassPolicy;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Lists a directory; a seam for tests of I/O failures. */
    @FunctionalInterface
    interface DirectoryLister {
        List<Path> list(Path directory) throws IOException;
    }

    /**
     * Scans the directory.
     *
     * @throws FolderScanException when the directory is missing or unreadable, two folders name the same split, there
     *                             is no training image, a class has no training image (unless such classes are dropped),
     *                             or fewer than two classes have usable images; the message says what was found
     */
    public FolderScan scan() throws FolderScanException {
        final Path root = checkRoot();
        final Path realRoot;
        try {
            realRoot = root.toRealPath();
        } catch (final IOException e) {
            throw new FolderScanException("Cannot resolve directory " + directory + ": " + e.getMessage(), e);
        }
        final FolderWalk walk = new FolderWalk(realRoot, lister, fileFilter, maxFileSize);
        final List<Path> top = listOrFail(root);
        final FolderLayout found = layout != FolderLayout.AUTO ? layout : detectLayout(top);
        // split -> class -> candidate files, and the folder each split was read from
        final Map<String, Map<String, List<FolderWalk.Candidate>>> candidates = new TreeMap<>(Comparator.comparingInt(Splits::rank));
        final Map<String, String> folders = new LinkedHashMap<>();
        if (found == FolderLayout.SPLIT_FOLDERS) {
            walkSplitFolders(walk, top, candidates, folders);
        } else {
            walk.collectClasses(root, "", Splits.TRAIN, candidates.computeIfAbsent(Splits.TRAIN, s -> new TreeMap<>()));
        }
        final Map<String, List<SkippedFile>> skipped = new LinkedHashMap<>();
        walk.skipped().forEach((split, files) -> skipped.computeIfAbsent(split, s -> new ArrayList<>()).addAll(files));

        final Map<String, Map<String, List<FolderWalk.Candidate>>> usable = usable(candidates, found, folders, skipped);
        final TreeSet<String> withImages = new TreeSet<>();
        usable.values().forEach(byClass -> byClass.forEach((name, files) -> {
            if (!files.isEmpty()) {
                withImages.add(name);
            }
        }));
        if (withImages.size() < 2) {
            throw new FolderScanException(describeFailure(found, candidates, usable, skipped, List.copyOf(withImages)));
        }
        final List<String> warnings = new ArrayList<>();
        final SplitPlanner.Plan plan = new SplitPlanner(seed, fractions, validationFromTrain, testFromValidation, untrainedClassPolicy)
                .plan(found, usable, folders, warnings);
        if (plan.classes().size() < 2) {
            throw new FolderScanException("Only " + plan.classes().size() + " class" + (plan.classes().size() == 1 ? " (" + plan.classes().getFirst() + ")" : "es")
                    + " with training images in " + directory + " once classes without training images were dropped ("
                    + String.join(", ", plan.dropped().stream().map(DroppedClass::describe).toList()) + "): a classifier needs at least two");
        }
        warnings.addAll(missingClassWarnings(plan));
        skipped.values().removeIf(List::isEmpty);
        return new FolderScan(directory, found, plan.classes(), plan.splits(), skipped, warnings, plan.origins(), plan.dropped());
    }

    /**
     * Collects the classes of every split folder at the top ({@code train/}, {@code val/}, ...) into {@code candidates},
     * with the folder each split came from in {@code folders}; other entries are skipped with the reason.
     */
    private void walkSplitFolders(final FolderWalk walk, final List<Path> top, final Map<String, Map<String, List<FolderWalk.Candidate>>> candidates,
                                  final Map<String, String> folders) throws FolderScanException {
        for (final Path entry : top) {
            final String name = entry.getFileName().toString();
            if (walk.skipHidden(entry, Splits.TRAIN, name)) {
                continue;
            }
            final Optional<String> split = Splits.fromFolderName(name);
            if (split.isPresent() && walk.isDirectoryInside(entry, split.get(), name)) {
                final String other = folders.putIfAbsent(split.get(), name);
                if (other != null) {
                    throw new FolderScanException("Both '" + other + "' and '" + name + "' in " + directory + " are the " + split.get()
                            + " split: keep one of them (or move the other out of the directory)");
                }
                walk.collectClasses(entry, name + "/", split.get(), candidates.computeIfAbsent(split.get(), s -> new TreeMap<>()));
            } else if (Files.isDirectory(entry)) {
                walk.skip(Splits.TRAIN, name + "/", "not a split folder (" + Splits.folderNames(Splits.TRAIN) + "; "
                        + Splits.folderNames(Splits.VALIDATION) + "; " + Splits.folderNames(Splits.TEST) + "): not read");
            } else {
                walk.skip(Splits.TRAIN, name, "not in a split folder: images belong in split/class folders");
            }
        }
    }

    /**
     * The candidates that pass validation and sampling, split -> class -> files, checked on a pool of the scanner's threads;
     * what is left out goes to {@code skipped}, and so does every class folder left with no usable image.
     */
    private Map<String, Map<String, List<FolderWalk.Candidate>>> usable(final Map<String, Map<String, List<FolderWalk.Candidate>>> candidates,
                                                                       final FolderLayout found, final Map<String, String> folders,
                                                                       final Map<String, List<SkippedFile>> skipped) throws FolderScanException {
        final Map<String, Map<String, List<FolderWalk.Candidate>>> usable = new TreeMap<>(Comparator.comparingInt(Splits::rank));
        final ExecutorService executor = Executors.newFixedThreadPool(threads, runnable -> {
            final Thread thread = new Thread(runnable, "image-folder-scan");
            thread.setDaemon(true);
            return thread;
        });
        try {
            for (final Map.Entry<String, Map<String, List<FolderWalk.Candidate>>> split : candidates.entrySet()) {
                for (final Map.Entry<String, List<FolderWalk.Candidate>> classFiles : split.getValue().entrySet()) {
                    final List<SkippedFile> splitSkipped = skipped.computeIfAbsent(split.getKey(), s -> new ArrayList<>());
                    final List<FolderWalk.Candidate> accepted = select(executor, split.getKey(), classFiles.getKey(), classFiles.getValue(),
                            splitSkipped);
                    usable.computeIfAbsent(split.getKey(), s -> new TreeMap<>()).put(classFiles.getKey(), accepted);
                    if (accepted.isEmpty()) {
                        final String folder = (found == FolderLayout.SPLIT_FOLDERS ? folders.get(split.getKey()) + "/" : "")
                                + classFiles.getKey() + "/";
                        splitSkipped.add(new SkippedFile(folder, "class folder has no usable images"));
                    }
                }
            }
        } finally {
            executor.shutdownNow();
        }
        return usable;
    }

    /** A warning for each split that has no image of some class. */
    private static List<String> missingClassWarnings(final SplitPlanner.Plan plan) {
        final List<String> warnings = new ArrayList<>();
        for (final String split : plan.splits().keySet()) {
            for (int label = 0; label < plan.classes().size(); label++) {
                final int current = label;
                if (plan.splits().get(split).stream().noneMatch(file -> file.label() == current)) {
                    warnings.add("The " + split + " split has no images of class '" + plan.classes().get(label) + "'");
                }
            }
        }
        return warnings;
    }

    private Path checkRoot() throws FolderScanException {
        if (directory == null) {
            throw new FolderScanException("No directory given");
        }
        if (!Files.exists(directory)) {
            throw new FolderScanException("Directory " + directory + " does not exist");
        }
        if (!Files.isDirectory(directory)) {
            throw new FolderScanException(directory + " is not a directory");
        }
        return directory;
    }

    private List<Path> listOrFail(final Path root) throws FolderScanException {
        try {
            return lister.list(root);
        } catch (final AccessDeniedException e) {
            throw new FolderScanException("Directory " + root + " is not readable (permission denied)", e);
        } catch (final IOException e) {
            throw new FolderScanException("Cannot list directory " + root + ": " + e, e);
        }
    }

    private FolderLayout detectLayout(final List<Path> top) {
        for (final Path entry : top) {
            if (Files.isDirectory(entry) && Splits.fromFolderName(entry.getFileName().toString()).isPresent()) {
                return FolderLayout.SPLIT_FOLDERS;
            }
        }
        return FolderLayout.CLASS_FOLDERS;
    }

    /** Validates the candidates of one class (in seeded random order when sampling) and returns the usable ones, sorted. */
    private List<FolderWalk.Candidate> select(final ExecutorService executor, final String split, final String className,
                                              final List<FolderWalk.Candidate> candidates, final List<SkippedFile> skipped)
            throws FolderScanException {
        final List<FolderWalk.Candidate> order = new ArrayList<>(candidates);
        order.sort(Comparator.comparing(FolderWalk.Candidate::relativePath));
        final int wanted = maxPerClass == null ? order.size() : Math.min(maxPerClass, order.size());
        if (maxPerClass != null) {
            Collections.shuffle(order, new Random(seed ^ (split + "/" + className).hashCode()));
        }
        final List<FolderWalk.Candidate> accepted = new ArrayList<>();
        int next = 0;
        while (accepted.size() < wanted && next < order.size()) {
            final List<FolderWalk.Candidate> batch = order.subList(next, Math.min(order.size(), next + (wanted - accepted.size())));
            next += batch.size();
            final List<Future<Optional<String>>> results = new ArrayList<>();
            for (final FolderWalk.Candidate candidate : batch) {
                results.add(executor.submit(() -> validator.check(candidate.path())));
            }
            for (int i = 0; i < batch.size(); i++) {
                final Optional<String> reason;
                try {
                    reason = results.get(i).get();
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new FolderScanException("Interrupted while checking images", e);
                } catch (final ExecutionException e) {
                    throw new FolderScanException("Checking " + batch.get(i).display() + " failed: " + e.getCause(), e.getCause());
                }
                if (reason.isPresent()) {
                    skipped.add(new SkippedFile(batch.get(i).display(), reason.get()));
                } else {
                    accepted.add(batch.get(i));
                }
            }
        }
        accepted.sort(Comparator.comparing(FolderWalk.Candidate::relativePath));
        return accepted;
    }

    private String describeFailure(final FolderLayout found, final Map<String, Map<String, List<FolderWalk.Candidate>>> candidates,
                                   final Map<String, Map<String, List<FolderWalk.Candidate>>> usable,
                                   final Map<String, List<SkippedFile>> skipped, final List<String> classes) {
        final Set<String> folders = new TreeSet<>();
        candidates.values().forEach(byClass -> folders.addAll(byClass.keySet()));
        final long files = candidates.values().stream().flatMap(byClass -> byClass.values().stream()).mapToLong(List::size).sum();
        final long images = usable.values().stream().flatMap(byClass -> byClass.values().stream()).mapToLong(List::size).sum();
        final Map<String, Integer> reasons = new TreeMap<>();
        skipped.values().forEach(list -> list.forEach(file -> reasons.merge(file.reason().replaceAll(":.*", ""), 1, Integer::sum)));
        final StringBuilder message = new StringBuilder();
        if (classes.size() == 1) {
            message.append("Only one class with usable images (").append(classes.getFirst()).append(") in ").append(directory)
                    .append(": a classifier needs at least two class folders. ");
        } else {
            message.append("No usable images in ").append(directory).append(". ");
        }
        message.append("Found (layout ").append(found.getValue()).append("): ").append(folders.size()).append(" class folder(s) ")
                .append(folders).append(", ").append(files).append(" candidate image file(s), ").append(images).append(" usable");
        if (!reasons.isEmpty()) {
            message.append("; skipped: ").append(reasons);
        }
        if (found == FolderLayout.SPLIT_FOLDERS && candidates.isEmpty()) {
            message.append("; no split folder (").append(Splits.folderNames(Splits.TRAIN)).append("; ").append(Splits.folderNames(Splits.VALIDATION))
                    .append("; ").append(Splits.folderNames(Splits.TEST)).append(") holds class folders");
        }
        return message.toString();
    }

    private static List<Path> listSorted(final Path directory) throws IOException {
        final List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            stream.forEach(entries::add);
        }
        entries.sort(Comparator.comparing(path -> path.getFileName().toString()));
        return entries;
    }

    /** Builds an {@link ImageFolderScanner}. */
    public static final class Builder {
        private Path directory;
        private FolderLayout layout = FolderLayout.AUTO;
        private Pattern fileFilter = Pattern.compile(".*", Pattern.DOTALL);
        private Integer maxPerClass;
        private long seed = 42;
        private SplitFractions fractions = SplitFractions.DEFAULT;
        private ImageValidator validator = ImageValidator.ACCEPT_ALL;
        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private long maxFileSize = 100L * 1024 * 1024;
        private DirectoryLister lister = ImageFolderScanner::listSorted;
        private double testFromValidation;
        private double validationFromTrain = 0.1;
        private UntrainedClassPolicy untrainedClassPolicy = UntrainedClassPolicy.FAIL;

        private Builder() {
        }

        /**
         * With split folders that have {@code train/} but no validation folder: move this share (0..1) of each class's
         * training images into a validation split, seeded and stratified, like Keras' {@code validation_split}. Every
         * class keeps at least one training image. Default 0.1; 0 makes no validation split.
         */
        public Builder optValidationFromTrain(final double value) {
            this.validationFromTrain = value;
            return this;
        }

        /** What to do with a class that has validation or test images but no training images. Default {@link UntrainedClassPolicy#FAIL}. */
        public Builder optUntrainedClassPolicy(final UntrainedClassPolicy value) {
            this.untrainedClassPolicy = value;
            return this;
        }

        /**
         * With split folders and no {@code test/} folder: move this share (0..1) of each class's validation images into
         * a test split, seeded and stratified. Default 0: no test split is made.
         */
        public Builder optTestFromValidation(final double value) {
            this.testFromValidation = value;
            return this;
        }

        /** The directory to scan (required). */
        public Builder setDirectory(final Path value) {
            this.directory = value;
            return this;
        }

        /** The layout; {@link FolderLayout#AUTO} (default) detects it. */
        public Builder optLayout(final FolderLayout value) {
            this.layout = value;
            return this;
        }

        /**
         * A regular expression file names must match; others are listed as skipped. Default: everything ({@code .*} with
         * {@link Pattern#DOTALL}, so a name with a line break matches too).
         */
        public Builder optFileFilter(final Pattern value) {
            this.fileFilter = value;
            return this;
        }

        /** At most this many images per class and split, drawn at random with the seed. Default: no limit. */
        public Builder optMaxPerClass(final Integer value) {
            this.maxPerClass = value;
            return this;
        }

        /** The seed of sampling and of the class-folder split. Default 42. */
        public Builder optSeed(final long value) {
            this.seed = value;
            return this;
        }

        /**
         * Train, validation and test fractions for class folders, or split folders with {@code train/} alone. Every class
         * keeps at least one training image. Default {@link SplitFractions#DEFAULT}.
         */
        public Builder optSplitFractions(final SplitFractions value) {
            this.fractions = value;
            return this;
        }

        /** Checks each candidate file; default accepts all. */
        public Builder optValidator(final ImageValidator value) {
            this.validator = value;
            return this;
        }

        /** Threads that validate files in parallel. Default: the number of processors. */
        public Builder optThreads(final int value) {
            this.threads = value;
            return this;
        }

        /** Files larger than this are skipped. Default 100 MB. */
        public Builder optMaxFileSize(final long value) {
            this.maxFileSize = value;
            return this;
        }

        Builder optLister(final DirectoryLister value) {
            this.lister = value;
            return this;
        }

        /** Builds the scanner, checking the options. */
        public ImageFolderScanner build() {
            if (directory == null) {
                throw new IllegalArgumentException("A directory is required");
            }
            if (maxPerClass != null && maxPerClass < 1) {
                throw new IllegalArgumentException("Maximum images per class must be at least 1, got " + maxPerClass);
            }
            if (threads < 1) {
                throw new IllegalArgumentException("Threads must be at least 1, got " + threads);
            }
            SplitFractions.carvedShare(testFromValidation, "The test fraction from validation");
            SplitFractions.carvedShare(validationFromTrain, "The validation fraction from train");
            if (untrainedClassPolicy == null) {
                throw new IllegalArgumentException("A policy for classes without training images is required");
            }
            return new ImageFolderScanner(this);
        }
    }
}
