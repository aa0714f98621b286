"""Is a change real? Pre vs post within a visit, and the trend across visits, in plain words.

Pure: results in, judgements out; the store only supplies the results.

A difference is a real change only when it exceeds the minimal detectable
change (MDC95 = 1.96 * sqrt(2) * SEM), as registry.session_mdc95 gives it: the
larger of the one from the trial spread of both sessions (when each has 3 or
more trials) and the measurement's typical one.
"""

from __future__ import annotations

from dataclasses import dataclass

from posture.export import label
from posture.measures import MEASURES, TestResult
from posture.measures.registry import LARGER, SMALLER, TYPICAL, session_mdc95
from posture.measures.rotation import HANGING, same_way

NOT_ADOPTED = "no verdict: measured on the patient's device, not adopted"
READING = ("A change is real only when it is larger than the MDC95, the smallest change the test can tell apart from "
           "its own variation: the typical one for the measurement, or the one from the repetitions' own spread "
           "(trials) when that is larger; ± is the measurement's own uncertainty, and where it is wider than the "
           "MDC95 no change is judged.")      # how to read the comparison, under its table in the app and the report


@dataclass(frozen=True)
class Reading:
    """One measurement of one session, as needed to compare it."""

    test: str
    name: str
    value: float | None
    unit: str
    trials: tuple[float, ...] = ()
    spread: float | None = None
    uncertainty: float | None = None
    protocol: str = ""         # how the test was done, when it can be done more than one way


def readings(results: list[TestResult]) -> list[Reading]:
    """Every measurement of some test results, as the comparison needs them."""
    return [Reading(r.test, m.name, m.value, m.unit, m.trials, m.spread, m.uncertainty, r.protocol)
            for r in results for m in r.measurements]


@dataclass(frozen=True)
class Change:
    """Before and after of one measurement, and whether the difference is more than the test's own noise."""

    test: str
    name: str
    unit: str
    before: float | None
    after: float | None
    mdc: float | None
    mdc_source: str            # registry.TRIALS or registry.TYPICAL
    unverified: bool = False   # a side is a patient's home check the therapist has not adopted: never judged
    uncertainty: float | None = None   # the larger +/- of the two values as their analyses stated them
    other_way: str = ""        # the two were done different ways ('bar ... against arms hanging'): never judged

    @property
    def difference(self) -> float | None:
        """After minus before as shown (each to one decimal), so that the change column adds up on the page."""
        if self.before is None or self.after is None:
            return None
        return round(round(self.after, 1) - round(self.before, 1), 1)

    @property
    def too_uncertain(self) -> bool:
        """The values' +/- is wider than the change that would be real: this measurement cannot show one."""
        return self.uncertainty is not None and self.mdc is not None and self.uncertainty > self.mdc

    @property
    def real(self) -> bool:
        return (not self.unverified and not self.other_way and not self.too_uncertain and self.difference is not None
                and self.mdc is not None and abs(self.difference) > self.mdc)


def change_mdc(before: Reading, after: Reading) -> tuple[float | None, str]:
    """MDC95 of a difference and where it came from (registry.session_mdc95)."""
    return session_mdc95(after.name, after.unit, [(len(r.trials), r.spread) for r in (before, after)])


def direction(name: str, before: float, after: float) -> str:
    """'better', 'worse' or 'changed' for a difference, by what counts as improvement for this measure."""
    better = MEASURES[name].better if name in MEASURES else None
    if better == LARGER:
        return "better" if abs(after) > abs(before) else "worse"
    if better == SMALLER:
        return "better" if after < before else "worse"
    return "better" if abs(after) < abs(before) else "worse"


def verdict(c: Change) -> str:
    """The comparison's last column: real improvement, real worsening, no real change, or why not compared."""
    if c.before is None and c.after is None:
        return "not measured"
    if c.difference is None:
        return "measured only once"
    if c.unverified:
        return NOT_ADOPTED
    if c.other_way:
        return "no verdict: done different ways"           # which ways: summary()
    if c.too_uncertain:
        return "no verdict: ± wider than MDC95"
    if c.mdc is None:
        return "no MDC known"
    if not c.real:
        return "no real change"
    return f"real {'improvement' if direction(c.name, c.before, c.after) == 'better' else 'worsening'}"


def headline(c: Change) -> str:
    """A real change in a few words, e.g. 'Forward bend, trunk flexion: 12.0 degrees more (55.0 to 67.0), a real
    improvement.'"""
    unit = "degrees" if c.unit == "deg" else c.unit
    return (f"{label(c.test)}, {label(c.name).lower()}: {abs(c.difference):.1f} {unit} "
            f"{'more' if c.difference > 0 else 'less'} ({c.before:.1f} to {c.after:.1f}), a {verdict(c)}.")


def _count(changes: list[Change], one: str, many: str) -> str:
    """'1 measurement has', '3 measurements have'."""
    return f"{len(changes)} measurements {many}" if len(changes) > 1 else f"1 measurement {one}"


def summary(changes: list[Change], pain_before: int | None, pain_after: int | None) -> list[str]:
    """The comparison in plain sentences, real changes first, for the therapist to show the patient."""
    if any(c.unverified for c in changes):
        lines = ["One of these sessions is a home check measured on the patient's device and not adopted by the "
                 "therapist: no change is judged until it is."]
        return lines + ([f"Pain {pain_before}/10 before and {pain_after}/10 after."]
                        if pain_before is not None and pain_after is not None else [])
    real = [c for c in changes if c.real]
    apart = [c for c in changes if c.difference is not None and c.other_way]
    vague = [c for c in changes if c.difference is not None and c.too_uncertain and not c.other_way]
    steady = [c for c in changes if c.difference is not None and c.mdc is not None and not c.real
              and not c.other_way and not c.too_uncertain]
    no_mdc = [c for c in changes if c.difference is not None and c.mdc is None and not c.other_way]
    once = [c for c in changes if (c.before is None) != (c.after is None)]
    if not real and not steady and not no_mdc and not apart and not vague:
        lines = ["Nothing was measured both times, so nothing is compared."]
    elif not real:
        lines = ["No measurement changed by more than the test varies by itself."] if steady else []
    else:
        lines = [headline(c) for c in real]
        if steady:
            others = f"The other {len(steady)} measurements" if len(steady) > 1 else "The other measurement"
            lines.append(f"{others} stayed within what the test varies by itself: no real change.")
    if vague:
        names = ", ".join(label(c.name).lower() for c in vague)
        lines.append(f"{len(vague)} measurements cannot show a real change from one camera, their ± being wider than "
                     f"the change that would be real: {names}." if len(vague) > 1 else
                     f"{label(vague[0].name)} cannot show a real change from one camera: its ± is wider than the "
                     "change that would be real.")
    if apart:
        lines.append(f"{_count(apart, 'was', 'were')} done a different way each time ({apart[0].other_way}), so "
                     "not compared: " + ", ".join(label(c.name).lower() for c in apart) + ".")
    if no_mdc:
        lines.append(f"{_count(no_mdc, 'has', 'have')} no known MDC, so no verdict: "
                     + ", ".join(label(c.name).lower() for c in no_mdc) + ".")
    if once:
        lines.append(f"{_count(once, 'was', 'were')} measured only once, so not compared: "
                     + ", ".join(label(c.name).lower() for c in once) + ".")
    if pain_before is not None and pain_after is not None:
        lines.append(f"Pain {pain_before}/10 before and {pain_after}/10 after.")
    return lines


def compare(before: list[Reading], after: list[Reading], unverified: bool = False) -> list[Change]:
    """Every measurement present in either session, matched by test and name; `unverified` when a side is a
    patient's home check not adopted (listed, never judged)."""
    b = {(r.test, r.name, r.unit): r for r in before}        # % of hip width and cm are not the same measurement
    a = {(r.test, r.name, r.unit): r for r in after}
    out = []
    for key in list(b) + [k for k in a if k not in b]:
        rb, ra = b.get(key), a.get(key)
        ref = ra or rb
        mdc, source = change_mdc(rb, ra) if rb and ra else (None, TYPICAL)
        vb, va = rb.value if rb else None, ra.value if ra else None
        stated = [r.uncertainty for r in (rb, ra) if r is not None and r.uncertainty is not None]
        other_way = (f"before: {rb.protocol or HANGING}; after: {ra.protocol or HANGING}"
                     if rb and ra and not same_way(rb.protocol, ra.protocol) else "")
        out.append(Change(ref.test, ref.name, ref.unit, vb, va, mdc, source, unverified, max(stated, default=None),
                          other_way))
    return out


@dataclass(frozen=True)
class TrendPoint:
    """One session's value of a measurement, and its change since the first session that had it."""

    when: str
    label: str
    value: float | None
    since_first: Change | None
    uncertainty: float | None = None


def trend(history: list[tuple[str, str, list[Reading]]],
          unverified: tuple[str, ...] = ()) -> dict[tuple[str, str], list[TrendPoint]]:
    """Each measurement across sessions (oldest first): (when, label, readings) in, points out. Sessions labelled
    `unverified` (a patient's home check the therapist has not adopted) are listed with no verdict and are never
    what later sessions are compared with."""
    out: dict[tuple[str, str], list[TrendPoint]] = {}
    first: dict[tuple[str, str], Reading] = {}
    for when, lab, rs in history:
        for r in rs:
            key = (r.test, r.name)
            if lab in unverified:
                out.setdefault(key, []).append(TrendPoint(when, lab, r.value, None, r.uncertainty))
                continue
            base = first.setdefault(key, r) if r.value is not None else first.get(key)
            change = compare([base], [r])[0] if base is not None and base is not r else None
            out.setdefault(key, []).append(TrendPoint(when, lab, r.value, change, r.uncertainty))
    return out
