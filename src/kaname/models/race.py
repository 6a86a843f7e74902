"""The denial race: sinking the attacker's lift before it is established ashore.

A stylised, aggregate attrition race in the Lanchester / Hughes salvo tradition (Lanchester
1916, *Aircraft in Warfare*; Hughes 1995, "A salvo model of warships in missile combat used to
evaluate their staying power", *Naval Research Logistics* 42(2); Hughes 2000, *Fleet Tactics
and Coastal Combat*, 2nd ed.). The alliance's anti-ship and strike munitions fire at the amphibious and
transport lift each day; the lift loses one ship per ``k`` hits and gains ``r`` ships a day by
reconstitution (mobilised ferries, repairs). The invasion fails when the net share of the
initial lift sunk before the establishment day ``T`` reaches the failure share ``f``::

    hits_t   = Σ_m fired_{m,t} · a_m · p_m             (a: share aimed at the lift, p: hit)
    N_T      = Σ_t w_t · (hits_t / k − r),   w_t = clip(T − t, 0, 1)   (net ships sunk)
    sunk     = min(N_T / L_0, 1)
    P_deny   = Φ((N_T − f · L_0) / σ),  σ² = Σ_t w_t · Var(hits_t) / k² + (s · max(N_T, 0))²

The count is not capped at the lift afloat: the invasion fails when ``N`` first reaches
``f · L_0 ≤ L_0``, before the lift could run out, so the cap never changes the outcome — and
leaving it out keeps ``P_deny`` monotone (more lift never helps the defender).
``Var(hits_t) = Σ_m fired_{m,t} a_m p_m (1 − p_m)`` (independent shots) and ``s`` is the
game-to-game spread of a campaign's effect: the coefficient of variation of the ships it
sinks. Because σ does not depend on ``L_0``, ``P_deny`` falls with the lift and rises with
the ships sunk, whatever their sign. With constant fire ``S``
shots a day, no reconstitution and lift left at ``T``, the closed form is
``L_0 − L_T = S · a · p · T / k`` — aimed-fire attrition at a constant rate, linear in time,
against a target that does not shoot back; the attacker's air defence is in ``p``.

The functions here are the race's pieces; the sustainment model's daily loop calls them,
because the shots come from the same stocks, launchers and resupply as every other use of
the munitions (one conflict clock).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr


def day_weight(t: int, establish_days: np.ndarray) -> np.ndarray:
    """Share of day `t` that falls before the attacker is established (0 after it)."""
    return np.clip(establish_days - t, 0.0, 1.0)


def ships_sunk(hits: np.ndarray, weight: np.ndarray, hits_per_ship: np.ndarray,
               reconstitution: np.ndarray) -> np.ndarray:
    """Net ships sunk on one day (before establishment): sinkings less ships added."""
    return weight * (hits / hits_per_ship - reconstitution)


def sunk_constant_fire(shots_per_day: float, aimed_share: float, p_hit: float,
                       hits_per_ship: float, days: float) -> float:
    """Closed form: ships sunk by `days` under constant fire and no reconstitution (while
    lift remains)."""
    return shots_per_day * aimed_share * p_hit * days / hits_per_ship


def p_deny(net_sunk: np.ndarray, fail_share: np.ndarray, lift: np.ndarray,
           variance_ships: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """Probability that the net ships sunk reach the failure share of the lift: a normal
    approximation to the sum of independent shots plus the campaign spread (a step when both
    are 0)."""
    sd = np.sqrt(variance_ships + (spread * np.maximum(net_sunk, 0.0)) ** 2)
    margin = net_sunk - fail_share * lift
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sd > 0, margin / np.where(sd > 0, sd, 1.0), np.sign(margin) * np.inf)
    return np.where((margin == 0) & (sd == 0), 1.0, ndtr(z))
