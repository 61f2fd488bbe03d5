package org.nifitransfer.processors;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * role are taken at once (to be routed to failure); a group that needs a split its run does not have
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

    /** A complete group: one flowfile per role. */
    record Complete(String runId, Map<String, FlowFile> members) implements Outcome {

        List<FlowFile> all() {
            return List.copyOf(members.values());
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
     * @param have the roles present
     * @param missing the roles it waits for, with where they come from
     * @param waitedMillis how long its oldest member has waited
     * @param directory the image folder of the run, when known
     */
    record Stall(String runId, List<String> have, List<Role> missing, long waitedMillis, String directory) {
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
        final Map<String, Map<String, FlowFile>> groups = new LinkedHashMap<>();
        final Map<String, Long> oldest = new LinkedHashMap<>();
        final List<FlowFile> unmatched = new ArrayList<>();
        final List<FlowFile> unused = new ArrayList<>();
        final long now = System.currentTimeMillis();
        session.get(flowFile -> {
            final String runId = flowFile.getAttribute(TransferAttributes.RUN_ID);
            final Role role = roleOf(flowFile);
            if (role == null && runId != null && usedKinds.contains(flowFile.getAttribute(TransferAttributes.KIND))) {
                unused.add(flowFile);
            } else if (runId == null || role == null) {
                unmatched.add(flowFile);
            } else {
                groups.computeIfAbsent(runId, id -> new LinkedHashMap<>()).putIfAbsent(role.name(), flowFile);
                oldest.merge(runId, queuedSince(flowFile), Math::min);
            }
            return FlowFileFilter.FlowFileFilterResult.REJECT_AND_CONTINUE;
        });
        for (final Map.Entry<String, Map<String, FlowFile>> group : groups.entrySet()) {
            if (group.getValue().size() == roles.size()) {
                final List<FlowFile> taken = take(session, group.getValue().values());
                if (taken.size() != roles.size()) {
                    // a member left the queue between the scan and the take (another thread, expiry): try again later
                    taken.forEach(session::transfer);
                    return new Waiting(List.of());
                }
                final Map<String, FlowFile> members = new LinkedHashMap<>();
                for (final Role role : roles) {
                    taken.stream().filter(role.matches()).findFirst().ifPresent(flowFile -> members.put(role.name(), flowFile));
                }
                return new Complete(group.getKey(), members);
            }
        }
        for (final Map.Entry<String, Map<String, FlowFile>> group : groups.entrySet()) {
            final String reason = neverCompletes(group.getKey(), group.getValue());
            if (reason != null) {
                return new NeverComplete(group.getKey(), take(session, group.getValue().values()), reason);
            }
        }
        if (!unused.isEmpty()) {
            return new Unused(take(session, unused), "not one of the splits this processor uses (" + describeRoles() + ")");
        }
        if (!unmatched.isEmpty()) {
            return new Unmatched(take(session, unmatched), "expected " + describeRoles() + " with a transfer.run.id attribute");
        }
        final List<Stall> stalls = new ArrayList<>();
        for (final Map.Entry<String, Map<String, FlowFile>> group : groups.entrySet()) {
            final long waited = now - oldest.get(group.getKey());
            final List<Role> missing = roles.stream().filter(role -> !group.getValue().containsKey(role.name())).toList();
            if (waited > maximumWaitMillis) {
                return new TimedOut(group.getKey(), take(session, group.getValue().values()), missing.stream().map(Role::name).toList());
            }
            if (waited > warnAfterMillis) {
                stalls.add(new Stall(group.getKey(), List.copyOf(group.getValue().keySet()), missing, waited,
                        group.getValue().values().iterator().next().getAttribute(TransferAttributes.SOURCE_DIRECTORY)));
            }
        }
        return new Waiting(stalls);
    }

    /**
     * Why a group can never complete: it needs a dataset split that its run, as LoadImageFolder emitted it
     * ({@code transfer.run.splits} on any member), does not have; null when it may still complete.
     */
    private String neverCompletes(final String runId, final Map<String, FlowFile> members) {
        for (final FlowFile member : members.values()) {
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
