# SPDX-License-Identifier: BSD-3-Clause
"""The statistics of devtools/perf_compare.py: ratios of interleaved pairs
and what they let one say about a target.

A point is measured as pairs run back to back (net_ism, then the other,
then net_ism again ...), so that whatever else the machine does at that
moment weighs on both halves of a pair alike; the ratio of each pair is
kept, never the ratio of two averages.
"""


def quantile(sorted_values, q):
    """Linear interpolation between closest ranks (q in 0..1)."""
    if not sorted_values:
        return None
    pos = (len(sorted_values) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def summary(ratios):
    """Median, quartiles, min and max of the per-pair ratios."""
    v = sorted(ratios)
    return {"n": len(v), "median": quantile(v, 0.5), "q1": quantile(v, 0.25),
            "q3": quantile(v, 0.75), "min": v[0] if v else None,
            "max": v[-1] if v else None}


def crosses(s, line):
    """True when the interquartile range of summary @s contains @line."""
    return s["q1"] <= line <= s["q3"]


def point_verdict(s, better):
    """Who is ahead at a point against another PMD: "net_ism ahead",
    "net_ism behind" or "not decided" (the quartiles straddle 1.0).
    @better: "higher" when a ratio above 1 favours net_ism."""
    if s["n"] == 0:
        return "not measured"
    if crosses(s, 1.0):
        return "not decided"
    ahead = s["q1"] > 1.0 if better == "higher" else s["q3"] < 1.0
    return "net_ism ahead" if ahead else "net_ism behind"


def target_status(s, target, better, against_memif):
    """met / missed / not decided for a target on a ratio.

    Against net_memif the point must be decided first (the quartiles of
    the pair ratios clear of 1.0); then the median says whether the
    target factor is reached. Against a bound (memcpy) there is no 1.0 to
    clear: the quartiles must clear the target itself.
    """
    if s["n"] == 0:
        return "not measured"
    if against_memif and crosses(s, 1.0):
        return "not decided"
    if not against_memif and crosses(s, target):
        return "not decided"
    if better == "higher":
        return "met" if s["median"] >= target else "missed"
    return "met" if s["median"] <= target else "missed"


def sign_count(ratios, better):
    """How many pairs favour net_ism (ratio on the good side of 1.0)."""
    if better == "higher":
        return sum(1 for r in ratios if r > 1.0)
    return sum(1 for r in ratios if r < 1.0)
