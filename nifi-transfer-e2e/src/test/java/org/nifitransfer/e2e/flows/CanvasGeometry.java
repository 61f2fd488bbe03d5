package org.nifitransfer.e2e.flows;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The geometry of NiFi 2's canvas, as its UI draws a flow definition: component boxes (a processor is 352 × 128, a
 * funnel 48 × 48, a local port 240 × 48, a label as large as it says), connection lines from box to bends to box, and a
 * connection's label box — 240 wide, 19 per row plus 3 (a relationship row and a queue row: 41) — centred on the bend at
 * {@code labelIndex}, or on the midpoint of the line's end points when there is no bend. The figures are the UI's own
 * (flow-designer's processor-, funnel-, port- and connection-manager services).
 */
final class CanvasGeometry {

    static final double PROCESSOR_WIDTH = 352;
    static final double PROCESSOR_HEIGHT = 128;
    static final double FUNNEL_SIZE = 48;
    static final double PORT_WIDTH = 240;
    static final double PORT_HEIGHT = 48;
    static final double LABEL_WIDTH = 240;
    static final double LABEL_HEIGHT = 19 * 2 + 3;
    /** Clearance kept between a connection's label or line and other components. */
    static final double MARGIN = 12;

    private CanvasGeometry() {
    }

    /** An axis-aligned box: top-left corner and size. */
    record Box(String name, double x, double y, double width, double height) {

        double centerX() {
            return x + width / 2;
        }

        double centerY() {
            return y + height / 2;
        }

        Box grow(final double margin) {
            return new Box(name, x - margin, y - margin, width + 2 * margin, height + 2 * margin);
        }

        boolean overlaps(final Box other) {
            return x < other.x + other.width && other.x < x + width && y < other.y + other.height && other.y < y + height;
        }

        boolean contains(final double px, final double py) {
            return px >= x && px <= x + width && py >= y && py <= y + height;
        }

        /** Whether the segment from (x1, y1) to (x2, y2) passes through this box (Liang–Barsky clipping). */
        boolean crossedBy(final double x1, final double y1, final double x2, final double y2) {
            final double dx = x2 - x1;
            final double dy = y2 - y1;
            final double[] p = {-dx, dx, -dy, dy};
            final double[] q = {x1 - x, x + width - x1, y1 - y, y + height - y1};
            double t0 = 0;
            double t1 = 1;
            for (int i = 0; i < 4; i++) {
                if (p[i] == 0) {
                    if (q[i] < 0) {
                        return false;
                    }
                } else {
                    final double t = q[i] / p[i];
                    if (p[i] < 0) {
                        t0 = Math.max(t0, t);
                    } else {
                        t1 = Math.min(t1, t);
                    }
                }
            }
            return t0 < t1;
        }
    }

    /** A point on the canvas. */
    record Point(double x, double y) {
    }

    /** The label box of a connection whose label is anchored at {@code anchor}. */
    static Box labelBox(final String name, final Point anchor) {
        return new Box(name, anchor.x() - LABEL_WIDTH / 2, anchor.y() - LABEL_HEIGHT / 2, LABEL_WIDTH, LABEL_HEIGHT);
    }

    /** Where the UI anchors a connection's label: the bend at labelIndex (clamped), else the midpoint between the boxes' edges. */
    static Point labelAnchor(final Box source, final Box destination, final List<Point> bends, final int labelIndex) {
        if (!bends.isEmpty()) {
            return bends.get(Math.min(Math.max(0, labelIndex), bends.size() - 1));
        }
        final Point end = perimeterPoint(new Point(source.centerX(), source.centerY()), destination);
        final Point start = perimeterPoint(end, source);
        return new Point((start.x() + end.x()) / 2, (start.y() + end.y()) / 2);
    }

    /** Where the ray from the box's centre towards {@code towards} leaves the box. */
    static Point perimeterPoint(final Point towards, final Box box) {
        final double cx = box.centerX();
        final double cy = box.centerY();
        final double dx = towards.x() - cx;
        final double dy = towards.y() - cy;
        if (dx == 0 && dy == 0) {
            return new Point(cx, cy);
        }
        final double scale = Math.min(dx == 0 ? Double.MAX_VALUE : (box.width() / 2) / Math.abs(dx),
                dy == 0 ? Double.MAX_VALUE : (box.height() / 2) / Math.abs(dy));
        return new Point(cx + dx * Math.min(1, scale), cy + dy * Math.min(1, scale));
    }

    /** The line of a connection: the source box's centre, the bends, the destination box's centre. */
    static List<Point> path(final Box source, final Box destination, final List<Point> bends) {
        final List<Point> points = new ArrayList<>();
        points.add(new Point(source.centerX(), source.centerY()));
        points.addAll(bends);
        points.add(new Point(destination.centerX(), destination.centerY()));
        return points;
    }

    /** What is wrong with a connection's route: a line through another component, a label over a component or another label. */
    static Optional<String> problem(final Box source, final Box destination, final List<Point> bends, final int labelIndex,
                                    final List<Box> components, final List<Box> otherLabels) {
        final List<Point> path = path(source, destination, bends);
        for (final Box component : components) {
            if (component.equals(source) || component.equals(destination)) {
                continue;
            }
            final Box clear = component.grow(MARGIN);
            for (int i = 0; i + 1 < path.size(); i++) {
                if (clear.crossedBy(path.get(i).x(), path.get(i).y(), path.get(i + 1).x(), path.get(i + 1).y())) {
                    return Optional.of("its line crosses " + component.name());
                }
            }
        }
        for (final Point bend : bends) {
            if (source.contains(bend.x(), bend.y()) || destination.contains(bend.x(), bend.y())) {
                return Optional.of("a bend lies inside " + (source.contains(bend.x(), bend.y()) ? source.name() : destination.name()));
            }
        }
        final Box label = labelBox("label", labelAnchor(source, destination, bends, labelIndex));
        for (final Box component : components) {
            if (label.overlaps(component.grow(MARGIN))) {
                return Optional.of("its label covers " + component.name());
            }
        }
        for (final Box other : otherLabels) {
            if (label.overlaps(other.grow(MARGIN / 2))) {
                return Optional.of("its label covers the label of " + other.name());
            }
        }
        return Optional.empty();
    }

    /**
     * A route along a channel below both ends (the source's and the destination's centre lines dropped to a common
     * horizontal line, the label just below the source), nearest first: how a lane's failures are collected into its
     * funnel, one tidy line under the lane.
     */
    static Optional<List<Point>> channelBelow(final Box source, final Box destination, final List<Box> components, final List<Box> otherLabels) {
        final double bottom = Math.max(source.y() + source.height(), destination.y() + destination.height());
        for (int step = 0; step < 12; step++) {
            final double y = bottom + LABEL_HEIGHT / 2 + 2 * MARGIN + step * 20;
            final List<Point> bends = List.of(new Point(source.centerX(), y), new Point(destination.centerX(), y));
            if (problem(source, destination, bends, 0, components, otherLabels).isEmpty()) {
                return Optional.of(bends);
            }
        }
        return Optional.empty();
    }

    /**
     * A route for a connection that crosses no component and whose label covers nothing: one bend near the middle, else
     * two bends through a horizontal channel above or below (the label on the first), nearest first.
     */
    static Optional<List<Point>> route(final Box source, final Box destination, final List<Box> components, final List<Box> otherLabels) {
        final double mx = (source.centerX() + destination.centerX()) / 2;
        final double my = (source.centerY() + destination.centerY()) / 2;
        final List<Point> singles = new ArrayList<>();
        for (int dx = -12; dx <= 12; dx++) {
            for (int dy = -12; dy <= 12; dy++) {
                singles.add(new Point(mx + dx * 40, my + dy * 30));
            }
        }
        singles.sort(Comparator.comparingDouble(point -> Math.hypot(point.x() - mx, point.y() - my)));
        for (final Point bend : singles) {
            if (problem(source, destination, List.of(bend), 0, components, otherLabels).isEmpty()) {
                return Optional.of(List.of(bend));
            }
        }
        final List<Double> channels = new ArrayList<>();
        for (int step = 1; step <= 20; step++) {
            channels.add(Math.min(source.y(), destination.y()) - step * 30.0);
            channels.add(Math.max(source.y() + source.height(), destination.y() + destination.height()) + step * 30.0);
        }
        channels.sort(Comparator.comparingDouble(y -> Math.abs(y - my)));
        for (final double y : channels) {
            for (int shift = 0; shift <= 8; shift++) {
                for (final int sign : new int[] {1, -1}) {
                    final double offset = sign * shift * 40.0;
                    final List<Point> bends = List.of(new Point(source.centerX() + offset, y), new Point(destination.centerX() - offset, y));
                    if (problem(source, destination, bends, 0, components, otherLabels).isEmpty()) {
                        return Optional.of(bends);
                    }
                }
            }
        }
        return Optional.empty();
    }
}
