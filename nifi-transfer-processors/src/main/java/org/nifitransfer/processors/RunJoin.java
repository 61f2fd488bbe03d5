package org.nifitransfer.processors;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.processor.FlowFileFilter;
import org.apache.nifi.processor.ProcessSession;
import org.nifitransfer.core.dataset.Splits;

/**
 * Joins the flowfiles of one run that a processor needs together (a model and datasets, or several splits), the
 * way NiFi's JoinEnrichment does: the queue is scanned with a {@link FlowFileFilter} that takes nothing, and a
 * group is taken off the queue only once it is complete. Nothing is held in memory between triggers.
 *
 * <p>Flowfiles are grouped by {@code transfer.run.id}; each must match exactly one role. Flowfiles that match no
 * role are taken at once (to be routed to failure); a split LoadImageFolder sharded ({@code fragment.index},
 * {@code fragment.count}) plays its role only once every shard is queued, and a shard that cannot belong (a second copy
 * of a shard, a count that disagrees with the others) is taken at once, alone, to be routed to failure with the reason;
 * a group that needs a split its run does not have
 * ({@code transfer.run.splits}) is taken at once too, since it can never complete; a group whose oldest member has
 * waited longer than the maximum wait is taken incomplete (to be routed to timeout). Groups that wait longer than
 * the warning time are reported as stalls, with what they have and what they lack.
 */
final class RunJoin {

    /**
     * A part of a group: a name, which flowfiles can play it, the dataset split it needs (null for a model), and where it
     * comes from (for messages about a stalled group).
     */
    record Role(String name, Predicate<FlowFile> matches, String split, String source) {

        /** A role for flowfiles with {@code transfer.kind = kind} and {@code transfer.split = split}. */
        static Role dataset(final String name, final String kind, final String split, final String source) {
            return new Role(name, flowFile -> kind.equals(flowFile.getAttribute(TransferAttributes.KIND))
                    && split.equals(flowFile.getAttribute(TransferAttributes.SPLIT)), split, source);
        }

        /** The model role: a flowfile with {@code transfer.kind = model}. */
        static Role model(final String source) {
            return new Role("model", flowFile -> TransferAttributes.MODEL_KIND.equals(flowFile.getAttribute(TransferAttributes.KIND)), null,
                    source);
        }
    }

    /** What one poll found. */
    sealed interface Outcome {
    }

    /**
     * A complete group: for each role its flowfiles, every shard of the split once, in {@code fragment.index} order (one
     * flowfile for a model, or for a split that was not sharded).
     */
    record Complete(String runId, Map<String, List<FlowFile>> members) implements Outcome {

        Complete {
            members = Collections.unmodifiableMap(new LinkedHashMap<>(members));
        }

        /** Every member, role by role, shards in order. */
        List<FlowFile> all() {
            return members.values().stream().flatMap(List::stream).toList();
        }

        /** The one flowfile of a role that is never sharded (the model), or the first shard of a split. */
        FlowFile first(final String role) {
            return members.get(role).getFirst();
        }
    }

    /** Flowfiles that can play no role, or carry no run id. */
    record Unmatched(List<FlowFile> flowFiles, String reason) implements Outcome {
    }

    /** An incomplete group that waited too long, and the roles it lacks. */
    record TimedOut(String runId, List<FlowFile> flowFiles, List<String> missing) implements Outcome {
    }

    /** An incomplete group that needs a split its run does not have: it can never complete. */
    record NeverComplete(String runId, List<FlowFile> flowFiles, String reason) implements Outcome {
    }

    /** Flowfiles of a kind the join consumes but of a split it does not use (e.g. a test dataset reaching FineTune). */
    record Unused(List<FlowFile> flowFiles, String reason) implements Outcome {
    }

    /** Nothing to take now; the groups that have waited longer than the warning time. */
    record Waiting(List<Stall> stalls) implements Outcome {

        Waiting {
            stalls = List.copyOf(stalls);
        }
    }

    /**
     * An incomplete group waiting longer than the warning time.
     *
     * @param runId the run
     * @param have the roles present, a split with some of its shards as e.g. {@code train (3 of 10 shards)}
     * @param missing the roles it waits for, with where they come from (a split with some of its shards among them)
     * @param lacking what it waits for, as text: a role's name, or e.g. {@code train (shards 4, 7 of 10)}
     * @param waitedMillis how long its oldest member has waited
     * @param directory the image folder of the run, when known
     */
    record Stall(String runId, List<String> have, List<Role> missing, List<String> lacking, long waitedMillis, String directory) {
    }

    private final List<Role> roles;
    private final long maximumWaitMillis;
    private final long warnAfterMillis;
    private final Set<String> usedKinds;

    /**
     * @param roles the parts of a group
     * @param maximumWaitMillis how long an incomplete group may wait
     * @param warnAfterMillis how long an incomplete group waits before it is reported as a stall
     * @param usedKinds kinds of dataset the roles consume: a flowfile of such a kind that plays no role (another split)
     *                  is {@link Unused}, not unmatched
     */
    RunJoin(final List<Role> roles, final long maximumWaitMillis, final long warnAfterMillis, final Set<String> usedKinds) {
        this.roles = List.copyOf(roles);
        this.maximumWaitMillis = maximumWaitMillis;
        this.warnAfterMillis = warnAfterMillis;
        this.usedKinds = Set.copyOf(usedKinds);
    }

    /** Scans the queue and takes the flowfiles of the first thing to act on. */
    Outcome poll(final ProcessSession session) {
        final Map<String, Map<String, Shards>> groups = new LinkedHashMap<>();
        final Map<String, Long> oldest = new LinkedHashMap<>();
        final List<FlowFile> unmatched = new ArrayList<>();
        final List<FlowFile> unused = new ArrayList<>();
        final Map<FlowFile, String> rejected = new LinkedHashMap<>();
        final long now = System.currentTimeMillis();
        session.get(flowFile -> {
            final String runId = flowFile.getAttribute(TransferAttributes.RUN_ID);
            final Role role = roleOf(flowFile);
            if (role == null && runId != null && usedKinds.contains(flowFile.getAttribute(TransferAttributes.KIND))) {
                unused.add(flowFile);
            } else if (runId == null || role == null) {
                unmatched.add(flowFile);
            } else {
                final String problem = groups.computeIfAbsent(runId, id -> new LinkedHashMap<>())
                        .computeIfAbsent(role.name(), name -> new Shards(role)).add(flowFile, runId);
                if (problem != null) {
                    rejected.put(flowFile, problem);
                } else {
                    oldest.merge(runId, queuedSince(flowFile), Math::min);
                }
            }
            return FlowFileFilter.FlowFileFilterResult.REJECT_AND_CONTINUE;
        });
        if (!rejected.isEmpty()) {
            final Map.Entry<FlowFile, String> first = rejected.entrySet().iterator().next();
            return new Unmatched(take(session, List.of(first.getKey())), first.getValue());
        }
        for (final Map.Entry<String, Map<String, Shards>> group : groups.entrySet()) {
            if (group.getValue().size() == roles.size() && group.getValue().values().stream().allMatch(Shards::isComplete)) {
                final List<FlowFile> wanted = group.getValue().values().stream().flatMap(shards -> shards.ordered().stream()).toList();
                final List<FlowFile> taken = take(session, wanted);
                if (taken.size() != wanted.size()) {
                    // a member left the queue between the scan and the take (another thread, expiry): try again later
                    taken.forEach(session::transfer);
                    return new Waiting(List.of());
                }
                final Map<String, FlowFile> byId = new HashMap<>();
                taken.forEach(flowFile -> byId.put(flowFile.getAttribute(CoreAttributes.UUID.key()), flowFile));
                final Map<String, List<FlowFile>> members = new LinkedHashMap<>();
                for (final Role role : roles) {
                    members.put(role.name(), group.getValue().get(role.name()).ordered().stream()
                            .map(flowFile -> byId.get(flowFile.getAttribute(CoreAttributes.UUID.key()))).toList());
                }
                return new Complete(group.getKey(), members);
            }
        }
        for (final Map.Entry<String, Map<String, Shards>> group : groups.entrySet()) {
            final String reason = neverCompletes(group.getKey(), group.getValue());
            if (reason != null) {
                return new NeverComplete(group.getKey(), take(session, flowFiles(group.getValue())), reason);
            }
        }
        if (!unused.isEmpty()) {
            return new Unused(take(session, unused), "not one of the splits this processor uses (" + describeRoles() + ")");
        }
        if (!unmatched.isEmpty()) {
            return new Unmatched(take(session, unmatched), "expected " + describeRoles() + " with a transfer.run.id attribute");
        }
        final List<Stall> stalls = new ArrayList<>();
        for (final Map.Entry<String, Map<String, Shards>> group : groups.entrySet()) {
            final long waited = now - oldest.get(group.getKey());
            final Map<String, Shards> present = group.getValue();
            final List<Role> missing = roles.stream().filter(role -> !present.containsKey(role.name()) || !present.get(role.name()).isComplete())
                    .toList();
            if (waited > maximumWaitMillis) {
                return new TimedOut(group.getKey(), take(session, flowFiles(present)),
                        missing.stream().map(role -> lacking(role, present.get(role.name()))).toList());
            }
            if (waited > warnAfterMillis) {
                stalls.add(new Stall(group.getKey(), present.values().stream().map(Shards::describe).toList(), missing,
                        missing.stream().map(role -> lacking(role, present.get(role.name()))).toList(), waited,
                        present.values().iterator().next().ordered().getFirst().getAttribute(TransferAttributes.SOURCE_DIRECTORY)));
            }
        }
        return new Waiting(stalls);
    }

    private static List<FlowFile> flowFiles(final Map<String, Shards> group) {
        return group.values().stream().flatMap(shards -> shards.ordered().stream()).toList();
    }

    /** What a group still lacks of a role: its name, or the shards of a split not yet queued. */
    private static String lacking(final Role role, final Shards present) {
        return present == null ? role.name() : role.name() + " (" + present.missingText() + ")";
    }

    /**
     * The flowfiles of one role of one run found in the queue, by {@code fragment.index}. A flowfile without fragment
     * attributes is the whole of its split (shard 0 of 1), as a model always is.
     */
    private static final class Shards {
        private final Role role;
        private final Map<Integer, FlowFile> byIndex = new TreeMap<>();
        private int count;

        Shards(final Role role) {
            this.role = role;
        }

        /** Adds a flowfile; returns why it cannot be one of this role's shards, or null. */
        String add(final FlowFile flowFile, final String runId) {
            final String what = (role.split() == null ? "the " + role.name() : "the " + role.split() + " split") + " of run " + runId;
            // a model is never sharded: what fragment attributes it carries, it inherited from the shards it was trained on
            final String indexText = role.split() == null ? null : flowFile.getAttribute(TransferAttributes.FRAGMENT_INDEX);
            final String countText = role.split() == null ? null : flowFile.getAttribute(TransferAttributes.FRAGMENT_COUNT);
            final int index;
            final int total;
            try {
                index = indexText == null ? 0 : Integer.parseInt(indexText.strip());
                total = countText == null ? 1 : Integer.parseInt(countText.strip());
            } catch (final NumberFormatException e) {
                return "fragment.index '" + indexText + "' or fragment.count '" + countText + "' of " + what + " is not a number";
            }
            if ((indexText == null) != (countText == null) || total < 1 || index < 0 || index >= total) {
                return "fragment.index " + indexText + " and fragment.count " + countText + " of " + what + " do not name a shard "
                        + "(expected both, with 0 <= index < count)";
            }
            if (count != 0 && count != total) {
                return "a shard of " + what + " says the split has " + total + " shards, others queued say " + count
                        + ": the shards of two loads of the same run cannot be joined";
            }
            if (byIndex.containsKey(index)) {
                return "shard " + index + " of " + total + " of " + what + " is already queued (" + byIndex.get(index) + "): a shard "
                        + "arrived twice, so this copy is not used";
            }
            count = total;
            byIndex.put(index, flowFile);
            return null;
        }

        boolean isComplete() {
            return byIndex.size() == count;
        }

        List<FlowFile> ordered() {
            return List.copyOf(byIndex.values());
        }

        String describe() {
            return count == 1 ? role.name() : role.name() + " (" + byIndex.size() + " of " + count + " shards)";
        }

        String missingText() {
            final List<String> missing = new ArrayList<>();
            for (int index = 0; index < count && missing.size() < 10; index++) {
                if (!byIndex.containsKey(index)) {
                    missing.add(String.valueOf(index));
                }
            }
            final int lacking = count - byIndex.size();
            return (lacking == 1 ? "shard " : "shards ") + String.join(", ", missing) + (lacking > missing.size() ? ", ..." : "")
                    + " of " + count;
        }
    }

    /**
     * Why a group can never complete: it needs a dataset split that its run, as LoadImageFolder emitted it
     * ({@code transfer.run.splits} on any member), does not have; null when it may still complete.
     */
    private String neverCompletes(final String runId, final Map<String, Shards> members) {
        for (final FlowFile member : flowFiles(members)) {
            final String listed = member.getAttribute(TransferAttributes.RUN_SPLITS);
            if (listed == null || listed.isBlank()) {
                continue;
            }
            final List<String> runSplits = List.of(listed.split(","));
            final List<Role> impossible = roles.stream().filter(role -> role.split() != null && !members.containsKey(role.name())
                    && !runSplits.contains(role.split())).toList();
            if (impossible.isEmpty()) {
                return null;
            }
            final String directory = member.getAttribute(TransferAttributes.SOURCE_DIRECTORY);
            return "run " + runId + " has no " + String.join(" or ", impossible.stream().map(Role::split).toList()) + " split: LoadImageFolder "
                    + "emitted only " + String.join(", ", runSplits) + (directory == null ? "" : " for " + directory) + ", so no "
                    + String.join(" or ", impossible.stream().map(Role::name).toList()) + " can ever arrive. "
                    + impossible.stream().map(role -> remedy(role.split())).distinct().reduce((a, b) -> a + " " + b).orElse("");
        }
        return null;
    }

    private static String remedy(final String split) {
        return switch (split) {
            case Splits.VALIDATION -> "Add a validation folder, or set LoadImageFolder's 'Validation "
                    + "Fraction From Train' above 0.";
            case Splits.TEST -> "Add a test folder, or set LoadImageFolder's 'Test Fraction From "
                    + "Validation' above 0.";
            default -> "Add a " + split + " folder.";
        };
    }

    private Role roleOf(final FlowFile flowFile) {
        for (final Role role : roles) {
            if (role.matches().test(flowFile)) {
                return role;
            }
        }
        return null;
    }

    private String describeRoles() {
        return String.join(" + ", roles.stream().map(Role::name).toList());
    }

    /** When the flowfile entered this queue; its entry into the flow where the queue date is not set (0 or null). */
    private static long queuedSince(final FlowFile flowFile) {
        final Long queued = flowFile.getLastQueueDate();
        return queued != null && queued > 0 ? queued : flowFile.getEntryDate();
    }

    /**
     * Takes the wanted flowfiles off the queues. {@code ProcessSession.get(FlowFileFilter)} returns what it accepts
     * from the first incoming connection that yields anything, so a group spread over several connections (a model
     * from one processor, datasets from another) takes several calls.
     */
    static List<FlowFile> take(final ProcessSession session, final Collection<FlowFile> wanted) {
        final Set<String> ids = new HashSet<>();
        wanted.forEach(flowFile -> ids.add(flowFile.getAttribute(CoreAttributes.UUID.key())));
        final List<FlowFile> taken = new ArrayList<>();
        while (taken.size() < ids.size()) {
            final List<FlowFile> batch = session.get(flowFile -> ids.contains(flowFile.getAttribute(CoreAttributes.UUID.key()))
                    ? FlowFileFilter.FlowFileFilterResult.ACCEPT_AND_CONTINUE : FlowFileFilter.FlowFileFilterResult.REJECT_AND_CONTINUE);
            if (batch.isEmpty()) {
                break;
            }
            taken.addAll(batch);
        }
        return taken;
    }
}
