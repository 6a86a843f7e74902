"""deterrence — "invading Taiwan does not pay": a stylised expected-utility model.

The adversary compares attacking with the status quo (utility 0). It wins if the defence
fails to deny the invasion. Denial is the denial race of the sustainment model (``P_race``:
the alliance sinks enough of the lift before the attacker is established, with the anti-ship
and strike munitions it can still fire), taken only if the US fights (``us_commitment``) and
weakened when the allies' time-critical decisions miss the window that matters (``timely_share``,
the share of decisions made within 6 hours, from c2)::

    z        = logit(P_race) - alpha_t * (1 - S_timely)
    P_deny   = P_alone + q * (1 - P_alone) * sigmoid(z)
    p_win    = 1 - P_deny
    EU       = p_win * V - (1 - p_win) * L_fail - C_war - C_sanctions
    margin   = -EU;   holds = margin > 0

It is a model of a *belief* — how an attacker who reasons this way would see the odds — and
its coefficients are labelled assumptions with ranges (see ``data/deterrence.yaml`` and
``docs/models/deterrence.md``), not estimates.

References
----------
Fearon, J. D. (1995). Rationalist explanations for war. *International Organization*
49(3), 379–414.
Huth, P. & Russett, B. (1984). What makes deterrence work? Cases from 1900 to 1980.
*World Politics* 36(4), 496–526.
Mearsheimer, J. J. (1983). *Conventional Deterrence*. Cornell University Press.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from kaname.models.declare import DeclaredModel, Input, Output
from kaname.spec import Spec

NAME = "deterrence"
RACE_CLIP = 1e-9  # keeps logit(P_race) finite when the race is certain either way

P = f"{NAME}."

def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p) - np.log1p(-p)


class DeterrenceModel(DeclaredModel):
    """Denial probability, the attacker's odds and expected utility, and the margin.

    References
    ----------
    Fearon (1995); Huth & Russett (1984); Mearsheimer (1983) — see the module docstring.
    """

    name = NAME
    report_section = "kaname.report.sections:deterrence_section"

    # -- from the other models ------------------------------------------------------------
    race_denial = Input(Spec(
        "Denial race won (US fighting)", "拒否の競争に勝つ確率(米国参戦時)", low=0.0, high=1.0,
        description="Probability the lift is sunk before establishment (from sustainment)."),
        link="sustainment.p_deny_race")
    timely_share = Input(Spec(
        "Share of alliance decisions within the window", "期限内に下される日米の決定の割合", low=0.0,
        high=1.0, description="Share of decisions made within 6 hours (from c2)."),
        link="c2.share_within_6h")
    us_commitment = Input(Spec(
        "US commitment to fight", "米国の参戦意思", low=0.0, high=1.0,
        description="Probability-like belief that the US fights (from posture)."),
        link="posture.us_commitment")
    # -- the attacker's beliefs (labelled assumptions with ranges) --------------------------
    tempo_penalty = Input(Spec(
        "Denial log-odds lost when no decision is timely", "期限内の決定がないときに失う拒否の対数オッズ",
        low=0.0, high=5.0))
    p_deny_alone = Input(Spec(
        "Denial probability without the US", "米国不参戦時の拒否確率", low=0.0, high=1.0))
    value_of_victory = Input(Spec(
        "Value of victory to the attacker", "侵攻側にとっての勝利の価値", low=0.01, high=10.0))
    loss_if_fail = Input(Spec(
        "Loss to the attacker if the invasion fails", "侵攻失敗時の損失", low=0.0, high=10.0))
    war_cost = Input(Spec("Cost of fighting to the attacker", "侵攻側の戦争コスト", low=0.0, high=10.0))
    sanctions_cost = Input(Spec(
        "Cost of sanctions to the attacker", "侵攻側が被る制裁コスト", low=0.0, high=10.0))

    # A margin can be as low as -V_max and as high as L_max + 3 * C_max within the bounds.
    p_deny = Output(Spec(
        "Probability of denying the invasion", "侵攻を拒否できる確率", low=0.0, high=1.0, better="higher"))
    p_win = Output(Spec(
        "Attacker's probability of winning", "侵攻側の勝利確率", low=0.0, high=1.0, better="lower",
        headline=True))
    eu_attack = Output(Spec("Attacker's expected utility of attacking", "侵攻の期待効用", better="lower"))
    p_win_threshold = Output(Spec(
        "Win probability at which attacking pays", "侵攻が割に合う勝利確率の閾値", low=0.0, better="higher",
        description="(L_fail + C_war + C_sanctions) / (V + L_fail); above 1, never pays."))
    margin = Output(Spec(
        "Deterrence margin", "抑止の余裕度", better="higher", headline=True,
        description="Minus the attacker's expected utility of attacking."))
    holds = Output(Spec(
        "Deterrence holds", "抑止が成立", kind="bool", low=0.0, high=1.0, better="higher",
        headline=True))

    def evaluate(self, x: Mapping[str, np.ndarray], *, rng: np.random.Generator | None = None,
                 series: bool = False) -> dict[str, np.ndarray]:
        """Vectorised over the sample axis; deterministic (``rng`` is unused)."""
        g = {k[len(P):]: np.asarray(v, dtype=float) for k, v in x.items() if k.startswith(P)}
        q = np.clip(g["us_commitment"], 0.0, 1.0)  # Japan's levers move it in posture

        z = (_logit(np.clip(g["race_denial"], RACE_CLIP, 1.0 - RACE_CLIP))
             - g["tempo_penalty"] * (1.0 - np.clip(g["timely_share"], 0.0, 1.0)))
        p_alone = np.clip(g["p_deny_alone"], 0.0, 1.0)
        p_deny = p_alone + q * (1.0 - p_alone) * _sigmoid(z)
        p_win = 1.0 - p_deny

        value, loss = g["value_of_victory"], g["loss_if_fail"]
        fixed_costs = g["war_cost"] + g["sanctions_cost"]
        eu = p_win * value - p_deny * loss - fixed_costs
        margin = -eu
        return {
            P + "p_deny": p_deny,
            P + "p_win": p_win,
            P + "eu_attack": eu,
            P + "p_win_threshold": (loss + fixed_costs) / (value + loss),
            P + "margin": margin,
            P + "holds": (margin > 0.0).astype(float),
        }
