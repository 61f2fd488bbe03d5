package org.nifitransfer.core.folder;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
import org.nifitransfer.core.dataset.DatasetSummary.SkippedFile;
import org.nifitransfer.core.dataset.Splits;
import org.nifitransfer.core.folder.FolderScan.ImageFile;

/**
 * Scans a directory of images laid out by split and class folders (or class folders only), checks every
 * candidate file, and assigns images to splits.
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
 * <p>Hidden files and folders (names starting with {@code .}) and files whose name does not match the file
 * filter are ignored silently. Everything else that cannot be used is listed as skipped with a reason:
 * unsupported file types, empty files, files over the size limit, unreadable files, symbolic links that point
 * outside the directory, and files the validator rejects.
 */
public final class ImageFolderScanner {

    /** The extensions of the image types read: JPEG, PNG, BMP, GIF. */
    public static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "jpe", "png", "bmp", "gif");

    private final Path directory;
    private final FolderLayout layout;
    private final Pattern fileFilter;
    private final Integer maxPerClass;
    private final long seed;
    private final double[] fractions;
    private final ImageValidator validator;
    private final int threads;
    private final long maxFileSize;
    private final DirectoryLister lister;
    private final double testFromValidation;

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
     * @throws FolderScanException when the directory is missing or unreadable, or holds fewer than two
     *                             classes with usable images; the message says what was found
     */
    public FolderScan scan() throws FolderScanException {
        final Path root = checkRoot();
        final Path realRoot;
        try {
            realRoot = root.toRealPath();
        } catch (final IOException e) {
            throw new FolderScanException("Cannot resolve directory " + directory + ": " + e.getMessage(), e);
        }
        final Walk walk = new Walk(realRoot);
        final List<Path> top = listOrFail(root);
        final FolderLayout found = layout != FolderLayout.AUTO ? layout : detectLayout(top);

        // split -> class -> candidate files
        final Map<String, Map<String, List<Candidate>>> candidates = new TreeMap<>(Comparator.comparingInt(Splits::rank));
        if (found == FolderLayout.SPLIT_FOLDERS) {
            for (final Path entry : top) {
                final String name = entry.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                final Optional<String> split = Splits.fromFolderName(name);
                if (split.isPresent() && walk.isDirectoryInside(entry, split.get(), name)) {
                    if (candidates.containsKey(split.get())) {
                        walk.warnings.add("Both '" + name + "' and another folder name the " + split.get()
                                + " split; their class folders are merged");
                    }
                    collectClasses(walk, entry, name + "/", split.get(), candidates.computeIfAbsent(split.get(), s -> new TreeMap<>()));
                } else if (Files.isDirectory(entry)) {
                    walk.warnings.add("Ignored folder '" + name + "': not a split folder (train, validation/val, test)");
                } else {
                    walk.warnings.add("Ignored file '" + name + "' at the top level: images belong in split/class folders");
                }
            }
        } else {
            collectClasses(walk, root, "", Splits.TRAIN, candidates.computeIfAbsent(Splits.TRAIN, s -> new TreeMap<>()));
        }

        final Map<String, List<SkippedFile>> skipped = new LinkedHashMap<>();
        walk.skipped.forEach((split, files) -> skipped.computeIfAbsent(split, s -> new ArrayList<>()).addAll(files));

        // validate, sample, and keep what is usable: split -> class -> files
        final Map<String, Map<String, List<Candidate>>> usable = new TreeMap<>(Comparator.comparingInt(Splits::rank));
        final ExecutorService executor = Executors.newFixedThreadPool(threads, runnable -> {
            final Thread thread = new Thread(runnable, "image-folder-scan");
            thread.setDaemon(true);
            return thread;
        });
        try {
            for (final Map.Entry<String, Map<String, List<Candidate>>> split : candidates.entrySet()) {
                for (final Map.Entry<String, List<Candidate>> classFiles : split.getValue().entrySet()) {
                    final List<Candidate> accepted = select(executor, split.getKey(), classFiles.getKey(), classFiles.getValue(),
                            skipped.computeIfAbsent(split.getKey(), s -> new ArrayList<>()));
                    usable.computeIfAbsent(split.getKey(), s -> new TreeMap<>()).put(classFiles.getKey(), accepted);
                }
            }
        } finally {
            executor.shutdownNow();
        }

        final TreeSet<String> classNames = new TreeSet<>();
        usable.values().forEach(byClass -> byClass.forEach((name, files) -> {
            if (!files.isEmpty()) {
                classNames.add(name);
            }
        }));
        for (final Map.Entry<String, Map<String, List<Candidate>>> split : usable.entrySet()) {
            for (final Map.Entry<String, List<Candidate>> classFiles : split.getValue().entrySet()) {
                if (classFiles.getValue().isEmpty()) {
                    final String folder = (found == FolderLayout.SPLIT_FOLDERS ? folderOf(split.getKey(), top) + "/" : "")
                            + classFiles.getKey() + "/";
                    skipped.computeIfAbsent(split.getKey(), s -> new ArrayList<>())
                            .add(new SkippedFile(folder, "class folder has no usable images"));
                }
            }
        }
        final List<String> classes = List.copyOf(classNames);
        if (classes.size() < 2) {
            throw new FolderScanException(describeFailure(found, candidates, usable, skipped, classes));
        }

        final Map<String, List<ImageFile>> splits = found == FolderLayout.SPLIT_FOLDERS
                ? toImageFiles(usable, classes)
                : splitByFractions(usable.getOrDefault(Splits.TRAIN, Map.of()), classes, walk.warnings);
        if (found == FolderLayout.SPLIT_FOLDERS && testFromValidation > 0 && !splits.containsKey(Splits.TEST)
                && splits.containsKey(Splits.VALIDATION)) {
            carveTestFromValidation(splits, classes);
        }
        for (final String split : splits.keySet()) {
            for (final String className : classes) {
                final long count = splits.get(split).stream().filter(file -> classes.get(file.label()).equals(className)).count();
                if (count == 0) {
                    walk.warnings.add("The " + split + " split has no images of class '" + className + "'");
                }
            }
        }
        skipped.values().removeIf(List::isEmpty);
        return new FolderScan(directory, found, classes, splits, skipped, walk.warnings);
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

    private static String folderOf(final String split, final List<Path> top) {
        for (final Path entry : top) {
            final String name = entry.getFileName().toString();
            if (Splits.fromFolderName(name).filter(split::equals).isPresent()) {
                return name;
            }
        }
        return split;
    }

    /** Walks the class folders below {@code parent}, collecting candidate files per class. */
    private void collectClasses(final Walk walk, final Path parent, final String displayPrefix, final String split,
                                final Map<String, List<Candidate>> byClass) throws FolderScanException {
        final List<Path> entries;
        try {
            entries = lister.list(parent);
        } catch (final IOException e) {
            if (parent.equals(directory)) {
                throw new FolderScanException("Cannot list directory " + parent + ": " + e, e);
            }
            walk.skip(split, displayPrefix, "folder not readable: " + e.getMessage());
            return;
        }
        for (final Path entry : entries) {
            final String name = entry.getFileName().toString();
            if (name.startsWith(".")) {
                continue;
            }
            if (walk.isDirectoryInside(entry, split, displayPrefix + name)) {
                final List<Candidate> files = byClass.computeIfAbsent(name, c -> new ArrayList<>());
                walk.files(entry, displayPrefix + name + "/", "", split, files);
            } else if (Files.isRegularFile(entry)) {
                walk.skip(split, displayPrefix + name, "not in a class folder");
            }
        }
    }

    /** Validates the candidates of one class (in seeded random order when sampling) and returns the usable ones, sorted. */
    private List<Candidate> select(final ExecutorService executor, final String split, final String className,
                                   final List<Candidate> candidates, final List<SkippedFile> skipped) throws FolderScanException {
        final List<Candidate> order = new ArrayList<>(candidates);
        order.sort(Comparator.comparing(Candidate::relativePath));
        final int wanted = maxPerClass == null ? order.size() : Math.min(maxPerClass, order.size());
        if (maxPerClass != null) {
            Collections.shuffle(order, new Random(seed ^ (split + "/" + className).hashCode()));
        }
        final List<Candidate> accepted = new ArrayList<>();
        int next = 0;
        while (accepted.size() < wanted && next < order.size()) {
            final List<Candidate> batch = order.subList(next, Math.min(order.size(), next + (wanted - accepted.size())));
            next += batch.size();
            final List<Future<Optional<String>>> results = new ArrayList<>();
            for (final Candidate candidate : batch) {
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
        accepted.sort(Comparator.comparing(Candidate::relativePath));
        return accepted;
    }

    private static Map<String, List<ImageFile>> toImageFiles(final Map<String, Map<String, List<Candidate>>> usable,
                                                             final List<String> classes) {
        final Map<String, List<ImageFile>> splits = new LinkedHashMap<>();
        usable.forEach((split, byClass) -> {
            final List<ImageFile> files = new ArrayList<>();
            byClass.forEach((className, candidates) -> {
                final int label = classes.indexOf(className);
                candidates.forEach(candidate -> files.add(candidate.toImageFile(label)));
            });
            if (!files.isEmpty()) {
                splits.put(split, files);
            }
        });
        return splits;
    }

    /** Seeded, stratified split of each class by the train/validation/test fractions. */
    private Map<String, List<ImageFile>> splitByFractions(final Map<String, List<Candidate>> byClass, final List<String> classes,
                                                         final List<String> warnings) {
        final Map<String, List<ImageFile>> splits = new LinkedHashMap<>();
        splits.put(Splits.TRAIN, new ArrayList<>());
        splits.put(Splits.VALIDATION, new ArrayList<>());
        splits.put(Splits.TEST, new ArrayList<>());
        for (final String className : classes) {
            final List<Candidate> files = new ArrayList<>(byClass.getOrDefault(className, List.of()));
            Collections.shuffle(files, new Random(seed ^ className.hashCode()));
            final int count = files.size();
            final int test = (int) Math.round(count * fractions[2]);
            final int validation = (int) Math.round(count * fractions[1]);
            if (count - test - validation < 1) {
                warnings.add("Class '" + className + "' has only " + count + " usable images: too few to split "
                        + fractionsText() + " with at least one for training");
            }
            final int label = classes.indexOf(className);
            for (int i = 0; i < count; i++) {
                final String split = i < test ? Splits.TEST : i < test + validation ? Splits.VALIDATION : Splits.TRAIN;
                splits.get(split).add(files.get(i).toImageFile(label));
            }
        }
        splits.values().forEach(files -> files.sort(Comparator.comparingInt(ImageFile::label).thenComparing(ImageFile::relativePath)));
        splits.values().removeIf(List::isEmpty);
        return splits;
    }

    /**
     * Moves a seeded, stratified {@code testFromValidation} share of each class's validation images into a test split,
     * as the TensorFlow transfer-learning tutorial takes a fifth of its validation set for testing.
     */
    private void carveTestFromValidation(final Map<String, List<ImageFile>> splits, final List<String> classes) {
        final List<ImageFile> validation = new ArrayList<>();
        final List<ImageFile> test = new ArrayList<>();
        for (int label = 0; label < classes.size(); label++) {
            final int current = label;
            final List<ImageFile> files = new ArrayList<>(splits.get(Splits.VALIDATION).stream().filter(file -> file.label() == current).toList());
            Collections.shuffle(files, new Random(seed ^ ("test/" + classes.get(label)).hashCode()));
            final int count = (int) Math.round(files.size() * testFromValidation);
            test.addAll(files.subList(0, count));
            validation.addAll(files.subList(count, files.size()));
        }
        validation.sort(Comparator.comparingInt(ImageFile::label).thenComparing(ImageFile::relativePath));
        test.sort(Comparator.comparingInt(ImageFile::label).thenComparing(ImageFile::relativePath));
        splits.put(Splits.VALIDATION, validation);
        if (!test.isEmpty()) {
            splits.put(Splits.TEST, test);
        }
    }

    private String fractionsText() {
        return String.format(Locale.ROOT, "%.0f/%.0f/%.0f", fractions[0] * 100, fractions[1] * 100, fractions[2] * 100);
    }

    private String describeFailure(final FolderLayout found, final Map<String, Map<String, List<Candidate>>> candidates,
                                   final Map<String, Map<String, List<Candidate>>> usable,
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
            message.append("; no train/validation/test folder holds class folders");
        }
        return message.toString();
    }

    /** A file found in a class folder, before validation. */
    private record Candidate(Path path, String display, String relativePath, long size) {
        ImageFile toImageFile(final int label) {
            return new ImageFile(path, label, relativePath, size);
        }
    }

    /** The state of one walk: visited folders (against symlink cycles) and what was skipped. */
    private final class Walk {
        private final Path realRoot;
        private final Set<Path> visited = new HashSet<>();
        private final Map<String, List<SkippedFile>> skipped = new LinkedHashMap<>();
        private final List<String> warnings = new ArrayList<>();

        Walk(final Path realRoot) {
            this.realRoot = realRoot;
            visited.add(realRoot);
        }

        void skip(final String split, final String display, final String reason) {
            skipped.computeIfAbsent(split, s -> new ArrayList<>()).add(new SkippedFile(display, reason));
        }

        /** True for a directory inside the root; a link leading outside is skipped with a reason. */
        boolean isDirectoryInside(final Path entry, final String split, final String display) {
            if (!Files.isDirectory(entry)) {
                return false;
            }
            final Optional<Path> real = insideRoot(entry, split, display + "/");
            return real.isPresent() && visited.add(real.get());
        }

        /** The real path of {@code entry} when it lies inside the root; otherwise skips it and returns empty. */
        Optional<Path> insideRoot(final Path entry, final String split, final String display) {
            final Path real;
            try {
                real = entry.toRealPath();
            } catch (final NoSuchFileException e) {
                skip(split, display, "broken symbolic link");
                return Optional.empty();
            } catch (final IOException e) {
                skip(split, display, "cannot resolve path: " + e.getMessage());
                return Optional.empty();
            }
            if (!real.startsWith(realRoot)) {
                skip(split, display, "symbolic link points outside the directory (to " + real + ")");
                return Optional.empty();
            }
            return Optional.of(real);
        }

        void files(final Path folder, final String displayPrefix, final String relativePrefix, final String split,
                   final List<Candidate> out) {
            final List<Path> entries;
            try {
                entries = lister.list(folder);
            } catch (final IOException e) {
                skip(split, displayPrefix, "folder not readable: " + e.getMessage());
                return;
            }
            for (final Path entry : entries) {
                final String name = entry.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                final String display = displayPrefix + name;
                if (Files.isDirectory(entry)) {
                    if (isDirectoryInside(entry, split, display)) {
                        files(entry, display + "/", relativePrefix + name + "/", split, out);
                    }
                    continue;
                }
                if (Files.isSymbolicLink(entry) && insideRoot(entry, split, display).isEmpty()) {
                    continue;
                }
                if (!Files.isRegularFile(entry)) {
                    if (!Files.exists(entry, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(entry)) {
                        skip(split, display, "broken symbolic link");
                    } else {
                        skip(split, display, "not a regular file");
                    }
                    continue;
                }
                if (!fileFilter.matcher(name).matches()) {
                    continue;
                }
                final int dot = name.lastIndexOf('.');
                final String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
                if (!IMAGE_EXTENSIONS.contains(extension)) {
                    skip(split, display, "unsupported file type" + (extension.isEmpty() ? " (no extension)" : " (." + extension + ")")
                            + ": expected JPEG, PNG, BMP or GIF");
                    continue;
                }
                final long size;
                try {
                    size = Files.size(entry);
                } catch (final IOException e) {
                    skip(split, display, "cannot read file size: " + e.getMessage());
                    continue;
                }
                if (size == 0) {
                    skip(split, display, "empty file (0 bytes)");
                } else if (size > maxFileSize) {
                    skip(split, display, "file too large: " + size + " bytes, over the limit of " + maxFileSize);
                } else if (!Files.isReadable(entry)) {
                    skip(split, display, "file not readable (permission denied)");
                } else {
                    out.add(new Candidate(entry, display, relativePrefix + name, size));
                }
            }
        }
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
        private Pattern fileFilter = Pattern.compile(".*");
        private Integer maxPerClass;
        private long seed = 42;
        private double[] fractions = {0.8, 0.1, 0.1};
        private ImageValidator validator = ImageValidator.ACCEPT_ALL;
        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private long maxFileSize = 100L * 1024 * 1024;
        private DirectoryLister lister = ImageFolderScanner::listSorted;
        private double testFromValidation;

        private Builder() {
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

        /** A regular expression file names must match; others are ignored silently. Default: everything. */
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

        /** Train, validation and test fractions for class-folder layouts; they must add up to 1. Default 0.8/0.1/0.1. */
        public Builder optSplitFractions(final double train, final double validation, final double test) {
            this.fractions = new double[] {train, validation, test};
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
            double sum = 0;
            for (final double fraction : fractions) {
                if (fraction < 0 || fraction > 1 || Double.isNaN(fraction)) {
                    throw new IllegalArgumentException("Split fractions must be between 0 and 1, got " + fractionsText(fractions));
                }
                sum += fraction;
            }
            if (Math.abs(sum - 1) > 1e-6) {
                throw new IllegalArgumentException("Split fractions must add up to 1, got " + fractionsText(fractions));
            }
            if (fractions[0] <= 0) {
                throw new IllegalArgumentException("The train fraction must be above 0");
            }
            if (testFromValidation < 0 || testFromValidation >= 1 || Double.isNaN(testFromValidation)) {
                throw new IllegalArgumentException("The test fraction from validation must be in [0, 1), got " + testFromValidation);
            }
            return new ImageFolderScanner(this);
        }

        private static String fractionsText(final double[] values) {
            return values[0] + "/" + values[1] + "/" + values[2];
        }
    }
}
