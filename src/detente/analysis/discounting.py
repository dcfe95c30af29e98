"""Discounted streams over an open future, and the breach rule: the arithmetic every decision shares.

A party discounts each period by ``d`` (its ``discount``). The value of a stream of ``x`` a
period from ``start`` periods ahead is ``x * stream(d, start)``: ``sum_{k >= start} d**k``,
which is ``d**start / (1 - d)`` when ``d < 1``. The analyst's horizon is a window, not a
deadline the parties know, so the sums run on past it. A party that does not discount
(``d == 1``) would value every stream without bound, so it looks ``lookahead`` periods
ahead instead (detente uses the length of the window).

A pressure that has run ``streak`` periods in a row costs ``per_period - growth * streak``
in the next one (see :mod:`detente.simulate.ledger`); :func:`pressure_value` sums it over
the periods it runs.

The breach rule (:func:`breach_gain`, :func:`breach_loss`, :func:`breach_pays`) is the
inspectee's side of an inspection game (Avenhaus, von Stengel & Zamir 2002) over the whole
future: a covert reversal saves its maker ``saved`` a period from ``lag`` periods on, for
ever; it is found out with probability ``detection`` each period (the period of the breach
included), and from the period after it is found out the maker loses ``loss`` a period (what
the partner's declared answer takes away, the undelivered rest of the deal, the pressures
that resume). It pays if the gain beats the expected loss.

Being found out is the one definition both the simulator and the roadmap planner use
(:func:`found_out`): a breach is found out in period ``t`` after it (``t = 0`` is the
period of the breach) with probability ``q * (1 - q)**t``, where ``q`` is the breached move's
``verification``, and what the breach costs its maker runs from ``start`` periods after that.
:func:`breach_loss` is ``loss * found_out(d, 1, q)``; the planner's self-enforcement
(:mod:`detente.analysis.roadmap_instance`) counts the partner's reversible moves as lost from
their reversal lag after the breach is found out, inside the analyst's window.

Examples
--------
>>> round(stream(0.9, 0), 6), round(stream(0.9, 2), 6), stream(1.0, 2, lookahead=5)
(10.0, 8.1, 3.0)
>>> breach_pays(1.0, 2.0, discount=0.95, detection=1.0)
False
>>> breach_pays(1.0, 2.0, discount=0.95, detection=0.0)
True
"""

from __future__ import annotations

import math
from functools import lru_cache

__all__ = [
    "breach_gain",
    "breach_loss",
    "breach_pays",
    "found_out",
    "pressure_value",
    "ramp",
    "stream",
]

EPS = 1e-9


def stream(discount: float, start: float, *, lookahead: int | None = None) -> float:
    """``sum_{k >= start} discount**k``: the value now of 1 a period from ``start`` periods ahead, for ever.

    ``start`` may be ``math.inf`` (never: 0). With ``discount == 1`` the sum stops at
    ``lookahead`` periods ahead (required then).

    >>> stream(0.5, 0), stream(0.5, 1), stream(0.5, math.inf)
    (2.0, 1.0, 0.0)
    """
    if math.isinf(start):
        return 0.0
    if discount < 1.0:
        return discount**start / (1.0 - discount)
    if lookahead is None:
        raise ValueError("stream: a party that does not discount needs a lookahead")
    return float(max(0.0, lookahead - start))


def ramp(discount: float, start: float, *, lookahead: int | None = None) -> float:
    """``sum_{k >= start} k * discount**k`` (the growth part of a pressure), with :func:`stream`'s conventions.

    >>> ramp(0.5, 0), ramp(1.0, 0, lookahead=4)
    (2.0, 6.0)
    """
    if math.isinf(start):
        return 0.0
    if discount < 1.0:
        d = discount
        return d**start * (start * (1.0 - d) + d) / (1.0 - d) ** 2
    if lookahead is None:
        raise ValueError("ramp: a party that does not discount needs a lookahead")
    end = max(float(lookahead), start)
    return (end * (end - 1.0) - start * (start - 1.0)) / 2.0


def pressure_value(
    per_period: float,
    growth: float,
    running: list[tuple[float, float]],
    *,
    streak: int,
    discount: float,
    lookahead: int | None = None,
) -> float:
    """The value now of a pressure over the intervals ``[a, b)`` of periods ahead in which it runs.

    Its streak is ``streak`` at the start of an interval that begins now (``a == 0``) and 0 at
    the start of a later one (a pressure stopped and started again starts afresh).

    >>> pressure_value(-1.0, 0.0, [(0.0, math.inf)], streak=0, discount=0.5)
    -2.0
    >>> pressure_value(-1.0, 0.5, [(0.0, 2.0)], streak=1, discount=1.0, lookahead=10)  # -1.5, then -2
    -3.5
    """
    total = 0.0
    for a, b in running:
        s0 = streak if a == 0 else 0
        level = per_period - growth * (s0 - a)  # the flow k periods ahead is level - growth * k
        flows = stream(discount, a, lookahead=lookahead) - stream(discount, b, lookahead=lookahead)
        slope = ramp(discount, a, lookahead=lookahead) - ramp(discount, b, lookahead=lookahead)
        total += level * flows - growth * slope
    return total


@lru_cache(maxsize=65536)
def found_out(
    discount: float,
    start: int,
    detection: float,
    *,
    after: int = 0,
    lookahead: int | None = None,
    window: int | None = None,
) -> float:
    """The expected value now of 1 a period from ``start`` periods after a breach is found out.

    Found out in period ``t`` (0: the period of the breach) with probability
    ``q (1 - q)**t``, ``q = detection``; only the periods ``t >= after`` count (the part of
    the sum in which the breach is still unseen by then). The value is
    ``sum_{t >= after} q (1 - q)**t W(t + start)``, where ``W(s)`` is the value now of 1 a
    period from ``s`` periods ahead: for ever (:func:`stream`), or inside a ``window`` of
    periods ``0 .. window - 1`` (the planner's horizon). Over the open future with
    ``d < 1`` it is ``q d**start (d (1 - q))**after / ((1 - d)(1 - d (1 - q)))``; with
    ``q = 1`` and ``after = 0`` it is ``W(start)``: a breach seen at once.

    >>> found_out(0.5, 1, 1.0), round(found_out(0.5, 1, 0.5), 6), found_out(0.5, 1, 0.0)
    (1.0, 0.666667, 0.0)
    >>> round(found_out(0.9, 0, 0.5, window=2), 6)  # 0.5 * (1 + 0.9) + 0.25 * 0.9
    1.175
    """
    q = float(detection)
    if q <= 0.0:
        return 0.0
    miss, d = 1.0 - q, discount
    if window is None and d < 1.0:
        return q * d**start * (d * miss) ** after / ((1.0 - d) * (1.0 - d * miss))
    if window is None:
        if lookahead is None:
            raise ValueError("found_out: a party that does not discount needs a lookahead")
        window = lookahead
    ahead = [0.0] * (window + 1)  # ahead[s] = sum_{s <= u < window} d**u
    for u in range(window - 1, -1, -1):
        ahead[u] = ahead[u + 1] + d**u
    total = 0.0
    for t in range(after, window - start):
        total += q * miss**t * ahead[t + start]
    return total


def breach_gain(saved: float, *, discount: float, lag: int = 0, lookahead: int | None = None) -> float:
    """What a covert reversal saves its maker: ``saved`` a period from ``lag`` periods on, for ever.

    >>> breach_gain(1.0, discount=0.5, lag=1)
    1.0
    """
    return saved * stream(discount, lag, lookahead=lookahead)


def breach_loss(loss: float, *, discount: float, detection: float, lookahead: int | None = None) -> float:
    """The expected loss of a breach: ``loss`` a period from the period after it is found out.

    Found out with probability ``detection`` each period, the period of the breach included,
    so by ``k`` periods later with probability ``1 - (1 - detection)**(k + 1)``, and the loss
    runs from the period after: ``loss * sum_{k >= 1} d**k * (1 - (1 - detection)**k)``.
    Increasing in ``detection``: poorer verification never makes a breach cost more.

    >>> breach_loss(1.0, discount=0.5, detection=1.0), breach_loss(1.0, discount=0.5, detection=0.0)
    (1.0, 0.0)
    """
    if loss <= 0.0 or detection <= 0.0:
        return 0.0
    d, miss = discount, 1.0 - detection
    if d < 1.0:
        unseen = d * miss / (1.0 - d * miss)  # sum_{k >= 1} (d * miss)**k
        return loss * (d / (1.0 - d) - unseen)
    if lookahead is None:
        raise ValueError("breach_loss: a party that does not discount needs a lookahead")
    return loss * math.fsum(1.0 - miss**k for k in range(1, lookahead))


def breach_pays(
    saved: float,
    loss: float,
    *,
    discount: float,
    detection: float,
    lag: int = 0,
    lookahead: int | None = None,
) -> bool:
    """Whether a covert reversal pays: :func:`breach_gain` above :func:`breach_loss`.

    >>> breach_pays(1.0, 0.5, discount=0.9, detection=1.0)  # saves 1, loses 0.5 from the next period
    True
    """
    gain = breach_gain(saved, discount=discount, lag=lag, lookahead=lookahead)
    return gain > breach_loss(loss, discount=discount, detection=detection, lookahead=lookahead) + EPS
