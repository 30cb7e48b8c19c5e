"""The SQL of the set-based recompute (PostgreSQL); `recompute.py` runs it in order.

Business time is integer microseconds. With L the office time of one working day and
`ord(day)` the number of working days before `day` in the table `sla_workdays`,
`B(t) = ord(day(t)) × L + office time before t on that day (0 on a day off)`, and a due time
is the earliest t with `B(t) = target`: working day `k = (target − 1) div L` (looked up in
`sla_working`), then `r = target − k × L` (in (0, L]) placed in that day's slots, so a budget
that fills a slot exactly ends at the slot's END (12:00, not 13:00).
"""
from __future__ import annotations

from datetime import time

from workflows.sla.calendar import WorkCalendar

US = 1_000_000                      #: microseconds per second

#: The join of a ticket (t, ward w) to its policy choice pc; NUL stands for NULL there
#: (find_policy then matches only blank policy columns, and NUL never equals a value).
CHOICE_JOIN = ("pc.type = t.type AND pc.sub_key = coalesce(t.subtype, :nul)"
               " AND pc.area_key = coalesce(w.area_type, :nul)"
               " AND pc.received_on = (t.created_at AT TIME ZONE :tz)::date")

GATHER = [
    # tickets with a pause anywhere in their history
    """CREATE TEMPORARY TABLE sla_paused ON COMMIT DROP AS
       SELECT DISTINCT ticket_id FROM ticket_status_changes WHERE status = ANY(:pausing)""",
    "ALTER TABLE sla_paused ADD PRIMARY KEY (ticket_id)",
    # the policy of each (type, subtype, area type, day received), as find_policy picks it
    """CREATE TEMPORARY TABLE sla_policy_choice ON COMMIT DROP AS
    SELECT row_number() OVER () AS choice_id, c.*, p.id AS policy_id,
           left(p.name, 64) AS policy_key, p.clock,
           p.duration_minutes * 60 AS budget_seconds, p.warn_percent
    FROM (SELECT DISTINCT t.type, coalesce(t.subtype, :nul) AS sub_key,
                 coalesce(w.area_type, :nul) AS area_key,
                 (t.created_at AT TIME ZONE :tz)::date AS received_on
          FROM tickets t LEFT JOIN wards w ON w.id = t.ward_id
          WHERE t.status = ANY(:open)) c
    LEFT JOIN LATERAL (
        SELECT * FROM sla_policies p
        WHERE p.is_active AND p.type = c.type
          AND (p.subtype IS NULL OR p.subtype = nullif(c.sub_key, :nul))
          AND (p.area_type IS NULL OR p.area_type = nullif(c.area_key, :nul))
          AND p.valid_from <= c.received_on
          AND (p.valid_to IS NULL OR p.valid_to >= c.received_on)
        ORDER BY p.priority, p.id LIMIT 1) p ON true""",
    "ANALYZE sla_paused",
    "ANALYZE sla_policy_choice",
    # Every open ticket, narrow (it is written and read back whole): its policy choice,
    # whether SQL computes it (a clock row and a policy), and its start's local day and
    # microsecond of the day, computed once (OFFSET 0: not inlined and computed per use).
    f"""CREATE TEMPORARY TABLE sla_open ON COMMIT DROP AS
    SELECT q.ticket_id, q.has_pause, q.in_sql, q.choice_id, q.started_at, q.ls::date AS lday,
           (extract(epoch FROM q.ls - q.ls::date) * 1000000)::bigint AS sod
    FROM (SELECT t.id AS ticket_id, p.ticket_id IS NOT NULL AS has_pause,
                 s.ticket_id IS NOT NULL AND pc.policy_id IS NOT NULL AS in_sql, pc.choice_id,
                 s.started_at, s.started_at AT TIME ZONE :tz AS ls
          FROM tickets t LEFT JOIN ticket_sla s ON s.ticket_id = t.id
          LEFT JOIN wards w ON w.id = t.ward_id
          LEFT JOIN sla_policy_choice pc ON {CHOICE_JOIN}
          LEFT JOIN sla_paused p ON p.ticket_id = t.id
          WHERE t.status = ANY(:open)
          OFFSET 0) q""",
    # the others go through the Python clock
    """CREATE TEMPORARY TABLE sla_rest ON COMMIT DROP AS
       SELECT ticket_id FROM sla_open WHERE NOT in_sql""",
    "ALTER TABLE sla_rest ADD PRIMARY KEY (ticket_id)",
    # the few computed in SQL whose history holds a pause, apart (read three times below)
    """CREATE TEMPORARY TABLE sla_open_paused ON COMMIT DROP AS
       SELECT o.ticket_id, o.choice_id, o.started_at, pc.clock, pc.budget_seconds,
              pc.warn_percent
       FROM sla_open o JOIN sla_policy_choice pc USING (choice_id)
       WHERE o.in_sql AND o.has_pause""",
    "ANALYZE sla_open_paused",
    # The pauses of the paused ones, rebuilt from their status history exactly as
    # clock.pauses_for does: a pause starts on entering a pausing status from a running one
    # and ends on the next running status (pause_end NULL: still paused).
    """CREATE TEMPORARY TABLE sla_pauses ON COMMIT DROP AS
    WITH h AS (
        SELECT c.ticket_id, c.at, c.id, c.status = ANY(:pausing) AS p,
               coalesce(lag(c.status = ANY(:pausing)) OVER w, false) AS was_p
        FROM ticket_status_changes c JOIN sla_open_paused o USING (ticket_id)
        WINDOW w AS (PARTITION BY c.ticket_id ORDER BY c.at, c.id)
    ), edges AS (
        SELECT ticket_id, at, id, p AND NOT was_p AS starts,
               count(*) FILTER (WHERE p AND NOT was_p) OVER w AS start_no,
               count(*) FILTER (WHERE was_p AND NOT p) OVER w AS end_no
        FROM h WHERE p <> was_p
        WINDOW w AS (PARTITION BY ticket_id ORDER BY at, id)
    )
    SELECT s.ticket_id, s.start_no AS n, s.at AS pause_start, e.at AS pause_end
    FROM edges s LEFT JOIN edges e
      ON e.ticket_id = s.ticket_id AND NOT e.starts AND e.end_no = s.start_no
    WHERE s.starts""",
    "ANALYZE sla_pauses",
]

#: How many tickets SQL computes, and the span of local days the working-day table must
#: cover (before the longest business budget after it).
BOUNDS = """
SELECT count(*), least(min(lday), (SELECT min(least(pause_start, pause_end) AT TIME ZONE :tz)::date
                         FROM sla_pauses)),
       greatest(max(lday), (SELECT max(greatest(pause_start, pause_end) AT TIME ZONE :tz)::date
                            FROM sla_pauses)),
       (SELECT max(budget_seconds) FROM sla_policy_choice WHERE clock = 'business')
FROM sla_open WHERE in_sql
"""


def slot_sql(calendar: WorkCalendar) -> dict[str, str]:
    """SQL pieces for the office slots: L, office time before a microsecond of the day, and
    the place in the day of a remainder r in (0, L]."""
    slots = [(_us(a), _us(b)) for a, b in calendar.office_hours.slots]

    def before(sod: str) -> str:
        return " + ".join(f"LEAST(GREATEST({sod} - {a}, 0), {b - a})" for a, b in slots)

    def place(r: str) -> str:
        whens, filled = [], 0
        for a, b in slots:
            whens.append(f"WHEN {r} <= {filled + b - a} THEN {a} + ({r} - {filled})")
            filled += b - a
        return "CASE " + " ".join(whens) + " END"
    return {"day_us": str(sum(b - a for a, b in slots)), "before_c": before("c.sod"),
            "before_la": before("la.sod"), "before_lb": before("lb.sod"),
            "place_due": place("z.r_due"),
            "place_warn": place("z.r_warn"), "place_pick": place("z.r")}


def _us(moment: time) -> int:
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * US + moment.microsecond


# --- clocks paused at some time: the time outside the pauses ---------------------------------

#: Due and warn times of the in_sql tickets with pauses, into sla_paused_calc. Between the
#: pauses lie segments [a, b) (a = the later of the start and the previous pause's end, b = the
#: next pause's start, none after the last); the budget is spent segment after segment, and
#: the due time lies in the first segment where the time spent reaches it. An open pause
#: means no due time (the clock stands still).
PAUSED_CALC = """
CREATE TEMPORARY TABLE sla_paused_calc ON COMMIT DROP AS
WITH seg AS (
    SELECT o.ticket_id, o.clock, o.budget_seconds::bigint * 1000000 AS budget,
           o.budget_seconds::bigint * o.warn_percent * 10000 AS warn_budget,
           greatest(o.started_at, lag(p.pause_end, 1, o.started_at) OVER w) AS a,
           p.pause_start AS b, p.n
    FROM sla_open_paused o JOIN sla_pauses p USING (ticket_id)
    WHERE NOT EXISTS (SELECT 1 FROM sla_pauses q
                      WHERE q.ticket_id = o.ticket_id AND q.pause_end IS NULL)
    WINDOW w AS (PARTITION BY o.ticket_id ORDER BY p.n)
    UNION ALL
    SELECT o.ticket_id, o.clock, o.budget_seconds::bigint * 1000000,
           o.budget_seconds::bigint * o.warn_percent * 10000,
           greatest(o.started_at, max(p.pause_end)), NULL, max(p.n) + 1
    FROM sla_open_paused o JOIN sla_pauses p USING (ticket_id)
    GROUP BY o.ticket_id, o.clock, o.budget_seconds, o.warn_percent, o.started_at
    HAVING bool_and(p.pause_end IS NOT NULL)
), ends AS (            -- each segment end's business time (or µs since the epoch, 24/7)
    SELECT seg.*,
           CASE WHEN seg.clock = 'calendar' THEN (extract(epoch FROM seg.a) * 1000000)::bigint
                ELSE da.ord::bigint * {day_us}
                     + CASE WHEN da.is_working THEN {before_la} ELSE 0 END END AS ba,
           CASE WHEN seg.b IS NULL THEN NULL
                WHEN seg.clock = 'calendar' THEN (extract(epoch FROM seg.b) * 1000000)::bigint
                ELSE db.ord::bigint * {day_us}
                     + CASE WHEN db.is_working THEN {before_lb} ELSE 0 END END AS bb
    FROM seg
    CROSS JOIN LATERAL (SELECT (extract(epoch FROM l - l::date) * 1000000)::bigint AS sod,
                               l::date AS day
                        FROM (SELECT seg.a AT TIME ZONE :tz AS l) x) la
    CROSS JOIN LATERAL (SELECT (extract(epoch FROM l - l::date) * 1000000)::bigint AS sod,
                               l::date AS day
                        FROM (SELECT seg.b AT TIME ZONE :tz AS l) x) lb
    LEFT JOIN sla_workdays da ON da.day = la.day
    LEFT JOIN sla_workdays db ON db.day = lb.day
), spans AS (
    SELECT ends.*, greatest(bb - ba, 0) AS avail,
           coalesce(sum(greatest(bb - ba, 0)) OVER (PARTITION BY ticket_id ORDER BY n
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::bigint AS spent
    FROM ends
), picks AS (           -- the segment where each budget runs out, and the target there
    SELECT DISTINCT ON (ticket_id, kind) ticket_id, kind, clock, a,
           ba + CASE kind WHEN 'due' THEN budget ELSE warn_budget END - spent AS target
    FROM spans CROSS JOIN (VALUES ('due'), ('warn')) k(kind)
    WHERE bb IS NULL OR spent + avail >= CASE kind WHEN 'due' THEN budget ELSE warn_budget END
    ORDER BY ticket_id, kind, n
), placed AS (
    SELECT z.ticket_id, z.kind,
           CASE WHEN z.clock = 'calendar'
                THEN timestamptz 'epoch' + z.target * interval '1 microsecond'
                ELSE (d.day + ({place_pick}) * interval '1 microsecond') AT TIME ZONE :tz
           END AS at
    FROM (SELECT picks.*, target - ((target - 1) / {day_us}) * {day_us} AS r
          FROM picks) z
    LEFT JOIN sla_working d ON d.ord = (z.target - 1) / {day_us} AND z.clock = 'business'
)
SELECT o.ticket_id, due.at AS new_due_at, warn.at AS new_warn_at,
       EXISTS (SELECT 1 FROM sla_pauses q
               WHERE q.ticket_id = o.ticket_id AND q.pause_end IS NULL) AS open_pause
FROM sla_open_paused o
LEFT JOIN placed due ON due.ticket_id = o.ticket_id AND due.kind = 'due'
LEFT JOIN placed warn ON warn.ticket_id = o.ticket_id AND warn.kind = 'warn'
"""

def paused_calc_sql(pieces: dict[str, str]) -> str:
    return PAUSED_CALC.format(**pieces)


# --- the update ----------------------------------------------------------------------------

UPDATE = """
WITH running AS (
    SELECT z.ticket_id, z.choice_id,
        CASE WHEN z.clock = 'calendar'
             THEN z.started_at + z.budget_seconds * interval '1 second'
             ELSE (dd.day + ({place_due}) * interval '1 microsecond') AT TIME ZONE :tz
        END AS new_due_at,
        CASE WHEN z.clock = 'calendar'
             THEN z.started_at + (z.budget_seconds::bigint * z.warn_percent * 10000)
                                 * interval '1 microsecond'
             ELSE (dw.day + ({place_warn}) * interval '1 microsecond') AT TIME ZONE :tz
        END AS new_warn_at
    -- the inner level computes b0 once (OFFSET 0: not inlined and recomputed per use);
    -- the outer one only integer arithmetic on it
    FROM (SELECT b.*,
                 (b.b0 + b.budget_seconds::bigint * 1000000 - 1) / {day_us} AS k_due,
                 (b.b0 + b.budget_seconds::bigint * b.warn_percent * 10000 - 1) / {day_us}
                     AS k_warn,
                 b.b0 + b.budget_seconds::bigint * 1000000
                     - (b.b0 + b.budget_seconds::bigint * 1000000 - 1) / {day_us} * {day_us}
                     AS r_due,
                 b.b0 + b.budget_seconds::bigint * b.warn_percent * 10000
                     - (b.b0 + b.budget_seconds::bigint * b.warn_percent * 10000 - 1)
                       / {day_us} * {day_us} AS r_warn
          FROM (SELECT c.ticket_id, c.choice_id, c.started_at, pc.clock, pc.budget_seconds,
                       pc.warn_percent, d.ord::bigint * {day_us}
                       + CASE WHEN d.is_working THEN {before_c} ELSE 0 END AS b0
                FROM sla_open c JOIN sla_workdays d ON d.day = c.lday
                JOIN sla_policy_choice pc USING (choice_id)
                WHERE c.in_sql AND NOT c.has_pause OFFSET 0) b) z
    LEFT JOIN sla_working dd ON dd.ord = z.k_due
    LEFT JOIN sla_working dw ON dw.ord = z.k_warn
), calc AS (
    SELECT ticket_id, choice_id, new_due_at, new_warn_at, false AS open_pause FROM running
    UNION ALL
    SELECT o.ticket_id, o.choice_id, p.new_due_at, p.new_warn_at, p.open_pause
    FROM sla_open_paused o JOIN sla_paused_calc p USING (ticket_id)
), changed AS (
    -- compared with the stored clock; a row calc could not place counts as missed
    SELECT c.*, pc.policy_id, pc.policy_key, pc.clock, pc.budget_seconds, pc.warn_percent,
           (c.new_due_at IS NULL OR c.new_warn_at IS NULL) AND NOT c.open_pause AS missed
    FROM calc c JOIN sla_policy_choice pc USING (choice_id)
    JOIN ticket_sla s ON s.ticket_id = c.ticket_id
    WHERE ((c.new_due_at IS NULL OR c.new_warn_at IS NULL) AND NOT c.open_pause)
       OR (s.policy_id, s.policy_key, s.clock, s.budget_seconds, s.warn_percent,
           s.due_at, s.warn_at, s.is_paused, s.stopped_at)
          IS DISTINCT FROM
          (pc.policy_id, pc.policy_key, pc.clock, pc.budget_seconds, pc.warn_percent,
           c.new_due_at, c.new_warn_at, c.open_pause, NULL::timestamptz)
       OR (s.breached_at IS NOT NULL AND (c.new_due_at IS NULL OR c.new_due_at > :now))
       OR (s.warned_at IS NOT NULL AND (c.new_warn_at IS NULL OR c.new_warn_at > :now))
), written AS (
    UPDATE ticket_sla s SET
        policy_id = c.policy_id, policy_key = c.policy_key, clock = c.clock,
        budget_seconds = c.budget_seconds, warn_percent = c.warn_percent,
        due_at = c.new_due_at, warn_at = c.new_warn_at, is_paused = c.open_pause,
        stopped_at = NULL,
        breached_at = CASE WHEN c.new_due_at IS NULL OR c.new_due_at > :now THEN NULL
                           ELSE s.breached_at END,
        warned_at = CASE WHEN c.new_warn_at IS NULL OR c.new_warn_at > :now THEN NULL
                         ELSE s.warned_at END
    FROM changed c
    WHERE s.ticket_id = c.ticket_id AND NOT c.missed
    RETURNING 1
)
SELECT (SELECT count(*) FROM written), (SELECT count(*) FROM changed WHERE missed)
"""
