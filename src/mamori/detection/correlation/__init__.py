"""Sigma correlation rules (Sigma specification 2.0) evaluated over detection alerts.

:class:`CorrelationEngine` takes pySigma ``SigmaCorrelationRule`` objects and a map from every id
and name they may reference to the ``rule_id`` of that rule's alerts. ``feed`` gets each alert
of those rules; ``flush`` ends the input.

Types: ``event_count`` counts a group's events in a window; ``value_count`` the distinct values
of ``condition.field`` (events without it add nothing); ``temporal`` the distinct listed rules
present; ``temporal_ordered`` how many listed rules appear in the listed order (equal times count
in arrival order). The temporal default condition is "all listed rules".

Groups: the values of the ``group-by`` fields, read through ``aliases`` per rule (an alias a rule
does not map reads the field of the alias's own name). An event lacking a group-by field joins no
group (``stats.ungrouped_events``). A chained correlation reads the ``group`` of the alerts of the
correlation it builds on, so it may only group by (and count) fields that one groups by.

Windows are on event time, never on arrival time, and include both ends (events exactly one
timespan apart are in one window):

* ``gt``/``gte`` can only become true as events arrive, so they are sliding: a window is any span
  of one timespan starting at an event, and the rule fires as soon as the event that makes such
  a window match is fed; the alert's time is that event's. De-duplication: per group, alert
  windows end more than one timespan apart, so a burst alerts once per timespan, not per event.
* ``lt``, ``lte``, ``eq``, ``neq`` can only be decided once a window is over: a window opens at a
  group's oldest undecided event, lasts one timespan, and is decided when the newest event time
  seen passes its end by more than ``allowed_lateness`` (or at ``flush``); the next window opens
  at the group's next event. The alert's time is the window's last event. A group that has no
  event at all raises nothing, as in a SIEM's group-by.

Events may arrive out of time order. An event more than ``allowed_lateness`` behind the newest
event time is counted as late (``stats.late_events``) and still evaluated against the state held;
one that falls in an already decided window is ignored (``stats.stale_events``). Within
``allowed_lateness`` arrival order never changes whether a group alerts, only which of its
matching windows are reported first (and so, through de-duplication, how many). Every alert fed
moves event time on, also one of a rule no correlation references.

Memory: a group keeps its events for one timespan plus ``allowed_lateness`` behind the newest
event time; each rule keeps at most ``max_groups`` groups (least recently fed is evicted:
``stats.groups_evicted``) and each group at most ``max_events_per_group`` events (oldest
dropped: ``stats.events_dropped``). An alert lists at most ``max_event_refs`` of its events.

``generate: false`` (the default) withholds the alerts of the rules a correlation references;
for chained correlations the engine withholds them itself, for detection rules the caller reads
:attr:`CorrelationEngine.withheld_rule_ids`. Anything else a rule asks for that is not described
here raises :class:`~mamori.detection.errors.UnsupportedFeatureError`.
"""

from mamori.detection.correlation.document import check_document
from mamori.detection.correlation.engine import CorrelationEngine, CorrelationStats
from mamori.detection.correlation.spec import CorrelationSpec

__all__ = ["CorrelationEngine", "CorrelationSpec", "CorrelationStats", "check_document"]
