"""The correlation engine: detection alerts in, correlation alerts out."""

from __future__ import annotations

import heapq
import itertools
import logging
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta

from sigma.correlations import SigmaCorrelationRule

from mamori.core import logging as mlog
from mamori.core.errors import InvalidInputError
from mamori.detection.correlation.alerts import build_alert
from mamori.detection.correlation.inputs import (
    GroupKey,
    event_ref,
    group_key,
    micros,
    read_field,
)
from mamori.detection.correlation.references import normalize_reference
from mamori.detection.correlation.spec import CorrelationSpec, Measure, compile_rules
from mamori.detection.correlation.state import Entry, GroupState
from mamori.detection.correlation.windows import Window, close_windows, closed, sliding_match
from mamori.detection.models import Alert

log = mlog.get_logger(__name__)


@dataclass(frozen=True)
class CorrelationStats:
    """What the engine counted: alerts, and every event it could not use fully."""

    alerts: int = 0
    late_events: int = 0
    stale_events: int = 0
    untimed_events: int = 0
    ungrouped_events: int = 0
    groups_evicted: int = 0
    events_dropped: int = 0


class _Runtime:
    """One correlation rule's groups while the engine runs."""

    def __init__(self, spec: CorrelationSpec) -> None:
        self.spec = spec
        self.groups: OrderedDict[GroupKey, GroupState] = OrderedDict()
        self.deadlines: list[tuple[int, GroupKey]] = []
        self.warned = False


class CorrelationEngine:
    """Evaluates Sigma correlation rules over the alerts of the rules they reference.

    ``rule_ids`` maps every id and name a correlation may reference to the ``rule_id`` that
    rule's alerts carry. See the package documentation for windows, de-duplication, late
    events and memory bounds.
    """

    def __init__(
        self,
        rules: Iterable[SigmaCorrelationRule],
        rule_ids: Mapping[str, str],
        *,
        allowed_lateness: timedelta = timedelta(0),
        max_groups: int = 100_000,
        max_events_per_group: int = 10_000,
        max_event_refs: int = 20,
    ) -> None:
        _check_limits(allowed_lateness, max_groups, max_events_per_group, max_event_refs)
        specs = compile_rules(list(rules), rule_ids)
        self._runtimes = [_Runtime(spec) for spec in specs]
        self._routes: dict[str, list[tuple[_Runtime, int]]] = {}
        for runtime in self._runtimes:
            for index, target in enumerate(runtime.spec.targets):
                self._routes.setdefault(target.rule_id, []).append((runtime, index))
        self._names = {normalize_reference(key): value for key, value in rule_ids.items()}
        self._withheld = frozenset(
            target.rule_id for spec in specs if not spec.generate for target in spec.targets
        )
        self._lateness_us = allowed_lateness // timedelta(microseconds=1)
        self._max_groups = max_groups
        self._max_events = max_events_per_group
        self._max_refs = max_event_refs
        self._counts: Counter[str] = Counter()
        self._arrivals = itertools.count()
        self._newest: int | None = None

    @property
    def specs(self) -> tuple[CorrelationSpec, ...]:
        """The compiled rules, each after the rules it chains on."""
        return tuple(runtime.spec for runtime in self._runtimes)

    @property
    def listens_to(self) -> frozenset[str]:
        """The rule ids whose alerts can contribute; other alerts only advance event time."""
        return frozenset(self._routes)

    @property
    def withheld_rule_ids(self) -> frozenset[str]:
        """Rule ids whose own alerts are not to be shown (``generate: false``, as in pySigma)."""
        return self._withheld

    @property
    def held_groups(self) -> int:
        """How many groups the engine holds now, over all rules."""
        return sum(len(runtime.groups) for runtime in self._runtimes)

    @property
    def held_events(self) -> int:
        """How many events the engine holds now, over all rules and groups."""
        return sum(len(state) for runtime in self._runtimes for state in runtime.groups.values())

    @property
    def stats(self) -> CorrelationStats:
        """A snapshot of the counters since the engine was made."""
        return CorrelationStats(**self._counts)

    def feed(self, alert: Alert, rule_name: str | None = None) -> list[Alert]:
        """Offer one alert of a rule (``rule_name``: its Sigma name); the correlation alerts due."""
        routes = self._routes_for(alert.rule_id, rule_name)
        if alert.timestamp is None:
            if routes:
                self._counts["untimed_events"] += 1
            return []
        time_us = micros(alert.timestamp)
        if routes and self._newest is not None and time_us < self._newest - self._lateness_us:
            self._counts["late_events"] += 1
        self._newest = time_us if self._newest is None else max(self._newest, time_us)
        produced: list[Alert] = []
        for runtime, target in routes:
            produced += self._offer(runtime, target, alert, time_us)
        produced += self._close_due()
        return self._visible(produced)

    def flush(self) -> list[Alert]:
        """End of input: decide every window still open, then forget all state."""
        produced: list[Alert] = []
        for runtime in self._runtimes:  # chained rules come after the rules they build on
            if runtime.spec.condition.decided_at_close:
                for key, state in list(runtime.groups.items()):
                    for window in close_windows(state, runtime.spec, None):
                        produced += self._emit(runtime, key, window)
        visible = self._visible(produced)
        mlog.event(log, "detection.correlation.flushed", **asdict(self.stats))
        for runtime in self._runtimes:
            runtime.groups.clear()
            runtime.deadlines.clear()
        self._newest = None
        return visible

    def _routes_for(self, rule_id: str, rule_name: str | None) -> list[tuple[_Runtime, int]]:
        routes = self._routes.get(rule_id, [])
        named = self._names.get(rule_name) if rule_name else None
        if named is None or named == rule_id or named not in self._routes:
            return routes
        seen = {id(runtime) for runtime, _ in routes}
        return routes + [route for route in self._routes[named] if id(route[0]) not in seen]

    def _offer(self, runtime: _Runtime, target: int, alert: Alert, time_us: int) -> list[Alert]:
        spec = runtime.spec
        key = group_key(alert, spec.targets[target])
        if key is None:
            self._counts["ungrouped_events"] += 1
            return []
        value = read_field(alert, spec.targets[target], spec.targets[target].value_field)
        if spec.measure is Measure.VALUES and value is None:
            return []  # like COUNT(DISTINCT field): an event without the field adds no value
        self._expire(runtime)
        state = self._group(runtime, key)
        if state.decided_until is not None and time_us <= state.decided_until:
            self._counts["stale_events"] += 1
            return []
        first = state.keys[0] if len(state) else None
        if not spec.condition.decided_at_close:
            state.drop_before(self._horizon(spec))
            state.forget_fired_before(self._horizon(spec) - spec.span_us)
        entry = Entry((time_us, next(self._arrivals)), target, value, event_ref(alert))
        pos = state.add(entry) - self._cap(state)
        if spec.condition.decided_at_close:
            if len(state) and state.keys[0] != first:
                heapq.heappush(runtime.deadlines, (state.keys[0][0] + spec.span_us, key))
            return []
        window = sliding_match(state, spec, pos) if pos >= 0 else None
        return self._emit(runtime, key, window) if window else []

    def _cap(self, state: GroupState) -> int:
        excess = len(state) - self._max_events
        if excess <= 0:
            return 0
        state.drop_first(excess)
        self._counts["events_dropped"] += excess
        return excess

    def _group(self, runtime: _Runtime, key: GroupKey) -> GroupState:
        state = runtime.groups.get(key)
        if state is not None:
            runtime.groups.move_to_end(key)
            return state
        if len(runtime.groups) >= self._max_groups:
            _, evicted = runtime.groups.popitem(last=False)
            self._counts["groups_evicted"] += 1
            self._counts["events_dropped"] += len(evicted)
            if not runtime.warned:
                runtime.warned = True
                mlog.event(
                    log, "detection.correlation.groups_evicted", logging.WARNING,
                    rule=runtime.spec.rule_id, max_groups=self._max_groups,
                )  # fmt: skip
        state = GroupState(len(runtime.spec.targets), runtime.spec.span_us)
        runtime.groups[key] = state
        return state

    def _expire(self, runtime: _Runtime) -> None:
        """Drop least recently touched groups that no longer hold anything a window needs."""
        horizon = self._horizon(runtime.spec)
        while runtime.groups:
            key, state = next(iter(runtime.groups.items()))
            if _live(state, runtime.spec, horizon):
                return
            del runtime.groups[key]

    def _horizon(self, spec: CorrelationSpec) -> int:
        assert self._newest is not None
        return self._newest - self._lateness_us - spec.span_us

    def _close_due(self) -> list[Alert]:
        assert self._newest is not None
        watermark = self._newest - self._lateness_us
        produced: list[Alert] = []
        for runtime in self._runtimes:
            span = runtime.spec.span_us
            while runtime.deadlines and closed(runtime.deadlines[0][0], watermark):
                deadline, key = heapq.heappop(runtime.deadlines)
                state = runtime.groups.get(key)
                if state is None or not len(state) or state.keys[0][0] + span != deadline:
                    continue  # superseded: a later push holds the group's real deadline
                for window in close_windows(state, runtime.spec, watermark):
                    produced += self._emit(runtime, key, window)
                if len(state):
                    heapq.heappush(runtime.deadlines, (state.keys[0][0] + span, key))
        return produced

    def _emit(self, runtime: _Runtime, key: GroupKey, window: Window) -> list[Alert]:
        alert = build_alert(runtime.spec, key, window, self._max_refs)
        produced = [alert]
        assert alert.timestamp is not None
        for dependent, target in self._routes.get(alert.rule_id, []):
            produced += self._offer(dependent, target, alert, micros(alert.timestamp))
        return produced

    def _visible(self, produced: list[Alert]) -> list[Alert]:
        visible = [alert for alert in produced if alert.rule_id not in self._withheld]
        self._counts["alerts"] += len(visible)
        return visible


def _check_limits(lateness: timedelta, groups: int, events: int, refs: int) -> None:
    if lateness < timedelta(0):
        raise InvalidInputError("allowed_lateness must not be negative", where="allowed_lateness")
    for name, value in (("max_groups", groups), ("max_events_per_group", events)):
        if value < 1:
            raise InvalidInputError(f"{name} must be at least 1", where=name)
    if refs < 1:
        raise InvalidInputError("max_event_refs must be at least 1", where="max_event_refs")


def _live(state: GroupState, spec: CorrelationSpec, horizon: int) -> bool:
    """Whether a group still holds an event, an alert end or a decision a window may need."""
    if spec.condition.decided_at_close:
        recent = state.decided_until is not None and state.decided_until >= horizon
        return bool(len(state)) or recent
    if len(state) and state.keys[-1][0] >= horizon:
        return True
    return bool(state.fired_ends) and state.fired_ends[-1] >= horizon - spec.span_us
