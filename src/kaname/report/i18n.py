"""Every string the HTML report and the dashboard show, in English and Japanese.

Model outputs and inputs carry their own labels (``Spec.label_en``/``label_ja``); this table
holds the rest. ``tests/test_i18n_report.py`` fails when an entry lacks either language or
when the two disagree on their ``{placeholders}``.
"""

from __future__ import annotations

from kaname.i18n import LANGS, UNITS, fmt_number, lookup  # shared with the CLI
from kaname.i18n import unit_label as unit_text

__all__ = ["LANGS", "TEXT", "UNITS", "fmt_number", "tr", "unit_text"]

TEXT: dict[str, dict[str, str]] = {
    # ---- document
    "title": {"en": "kaname report — {name}", "ja": "要 kaname レポート — {name}"},
    "generated": {"en": "Generated {when} by kaname {version}",
                  "ja": "{when} に kaname {version} で作成"},
    "contents": {"en": "Contents", "ja": "目次"},
    "lang_name": {"en": "English", "ja": "日本語"},
    "offline_note": {"en": "This file is self-contained: it loads nothing from the network.",
                     "ja": "このファイルは自己完結しており、ネットワークから何も読み込みません。"},
    "failed_banner": {
        "en": "Incomplete run: {failed} of {chunks} chunks failed ({done} done). This report "
              "covers only the {futures:,} futures of the finished chunks. Finish the run with "
              "`kaname explore --resume {dir}` and write the report again.",
        "ja": "未完了の実行: {chunks}チャンク中{failed}件が失敗しました(完了{done}件)。"
              "このレポートは完了したチャンクの将来{futures:,}件のみを扱います。"
              "`kaname explore --resume {dir}` で実行を完了してから、レポートを再作成してください。"},
    "failed_chunk": {"en": "Chunk {k}: {error}", "ja": "チャンク{k}: {error}"},
    "pending_banner": {
        "en": "Incomplete run: {pending} of {chunks} chunks have not finished. This report "
              "covers only the {futures:,} futures of the finished chunks.",
        "ja": "未完了の実行: {chunks}チャンク中{pending}件が未完了です。"
              "このレポートは完了したチャンクの将来{futures:,}件のみを扱います。"},
    "not_in_run": {"en": "This run has no {what} outputs (the model was not part of it).",
                   "ja": "この実行には{what}の出力がありません(モデルが含まれていません)。"},
    # ---- sections
    "sec_scenario": {"en": "Scenario and policies", "ja": "シナリオと政策"},
    "sec_headline": {"en": "Headline outcomes", "ja": "主要指標"},
    "sec_sustainment": {"en": "Munitions sustainment", "ja": "継戦能力(弾薬)"},
    "sec_c2": {"en": "Alliance command and control", "ja": "同盟の指揮統制"},
    "sec_homeland": {"en": "Golden Dome: cost against leakers",
                     "ja": "ゴールデン・ドーム: 費用と撃ち漏らし"},
    "sec_posture": {"en": "US posture: the Indo-Pacific index",
                    "ja": "米国の態勢: インド太平洋指数"},
    "sec_deterrence": {"en": "Deterrence", "ja": "抑止"},
    "sec_autonomy": {"en": "Economic security: supply by origin",
                     "ja": "経済安全保障: 供給元別シェア"},
    "sec_sensitivity": {"en": "Sensitivity", "ja": "感度分析"},
    "sec_discovery": {"en": "Scenario discovery (PRIM)", "ja": "シナリオ探索(PRIM)"},
    "sec_assumptions": {"en": "Assumptions and parameters", "ja": "前提とパラメータ"},
    "sec_bibliography": {"en": "Bibliography", "ja": "参考文献"},
    # ---- scenario section
    "scenario_name": {"en": "Scenario", "ja": "シナリオ"},
    "run_line": {"en": "{futures:,} futures × {policies} policies; design {design}, seed {seed}; "
                       "base year {base_year}, horizon {horizon} days.",
                 "ja": "将来{futures:,}件 × 政策{policies}件。実験計画 {design}、シード {seed}、"
                       "基準年 {base_year}、評価期間 {horizon}日。"},
    "policies": {"en": "Policies (lever settings)", "ja": "政策(レバーの設定)"},
    "lever": {"en": "Lever", "ja": "レバー"},
    "no_levers": {"en": "No policy sets a lever: every policy uses the data-library defaults.",
                  "ja": "どの政策もレバーを設定していません。すべてデータライブラリの既定値です。"},
    "uncertainties": {"en": "Uncertainties (sampled across futures)",
                      "ja": "不確実要因(将来ごとに抽出)"},
    "distribution": {"en": "Distribution", "ja": "分布"},
    "sampled_range": {"en": "Sampled range", "ja": "抽出範囲"},
    "no_uncertainties": {"en": "The run samples no uncertainty.",
                         "ja": "この実行は不確実要因を抽出していません。"},
    "scenario_file": {"en": "Scenario file (frozen copy)", "ja": "シナリオファイル(保存時の写し)"},
    # ---- headline
    "headline_intro": {
        "en": "Median and 10–90 % band across futures; the last column is the median of the "
              "paired difference from {first} (every policy faces the same futures).",
        "ja": "将来にわたる中央値と10〜90 %区間。最後の列は{first}との対応差の中央値"
              "(すべての政策は同じ将来に直面します)。"},
    "outcome": {"en": "Outcome", "ja": "指標"},
    "policy": {"en": "Policy", "ja": "政策"},
    "median": {"en": "Median", "ja": "中央値"},
    "band": {"en": "10–90 %", "ja": "10–90 %区間"},
    "diff": {"en": "Δ vs {first}", "ja": "{first}との差"},
    "better_higher": {"en": "higher is better", "ja": "高いほど良い"},
    "better_lower": {"en": "lower is better", "ja": "低いほど良い"},
    # ---- sustainment
    "fan_title": {"en": "{munition}: theatre stock by day (median, 25–75 % and 10–90 %)",
                  "ja": "{munition}: 日別の戦域在庫(中央値、25〜75 %・10〜90 %区間)"},
    "fan_note": {"en": "Daily paths kept for {n} futures per policy.",
                 "ja": "日次の推移は政策ごとに将来{n}件分を保存しています。"},
    "no_series": {"en": "The run kept no daily series, so there are no stock fan charts; rerun "
                        "with --keep-series N to keep them.",
                  "ja": "この実行は日次の推移を保存していないため、在庫の扇形図はありません。"
                        "--keep-series N を付けて再実行してください。"},
    "day": {"en": "Day of conflict", "ja": "開戦からの日数"},
    "stock": {"en": "Theatre stock (missiles)", "ja": "戦域在庫(発)"},
    "depletion_title": {"en": "{munition}: days to depletion",
                        "ja": "{munition}: 枯渇までの日数"},
    "share_futures": {"en": "Share of futures", "ja": "将来の割合"},
    "never_depleted": {"en": "Share of futures with no depletion within the horizon",
                       "ja": "評価期間内に枯渇しない将来の割合"},
    # ---- c2
    "c2_intro": {"en": "Distribution of the median coordination latency across futures, by "
                       "command structure.",
                 "ja": "指揮統制の構造別に見た、調整所要時間(中央値)の将来にわたる分布。"},
    "c2_one_structure": {
        "en": "Only one structure ({structure}) appears in this run. To compare structures, "
              "set c2.structure in a policy or sample it as an uncertainty.",
        "ja": "この実行に現れる構造は1つ({structure})だけです。構造を比較するには、"
              "政策で c2.structure を設定するか、不確実要因として抽出してください。"},
    "c2_counterfactual": {
        "en": "This run uses one structure ({structure}), so the report ran the c2 model alone "
              "for every structure on the run's first {n:,} futures, with the other c2 inputs "
              "as in policy {policy}.",
        "ja": "この実行の構造は1つ({structure})だけなので、レポート作成時に c2 モデル単体を"
              "すべての構造について、実行の最初の将来{n:,}件で評価しました(その他の c2 入力は"
              "政策{policy}のとおり)。"},
    "hours": {"en": "Hours", "ja": "時間"},
    "structure": {"en": "Structure", "ja": "構造"},
    "p90_latency": {"en": "90th percentile latency", "ja": "所要時間の90パーセンタイル"},
    # ---- homeland
    "homeland_intro": {
        "en": "Each point is one future (a sample of at most {n} per policy): the 20-year "
              "Golden Dome cost against the expected number of leakers. Dashed lines are the "
              "public headline totals, for comparison only.",
        "ja": "各点は1つの将来(政策ごとに最大{n}件を抽出): ゴールデン・ドームの20年費用と"
              "撃ち漏らし期待数。破線は公表された総額で、比較用です。"},
    "cost_busd": {"en": "20-year cost (billion USD)", "ja": "20年費用(10億ドル)"},
    "leakers": {"en": "Expected leakers (all classes)", "ja": "撃ち漏らし期待数(全種)"},
    "headline_figures": {"en": "Public headline figures", "ja": "公表された数値"},
    "figure": {"en": "Figure", "ja": "数値"},
    "modelled_cost": {"en": "Modelled 20-year cost, median (10–90 %)",
                      "ja": "モデルによる20年費用の中央値(10〜90 %)"},
    # ---- posture
    "posture_intro": {"en": "Indo-Pacific index relative to the FY2026 baseline (1 = unchanged), "
                            "across futures.",
                      "ja": "2026年度を基準(1=変化なし)としたインド太平洋指数の将来にわたる分布。"},
    "index": {"en": "Index", "ja": "指数"},
    # ---- deterrence
    "deter_intro": {"en": "Deterrence margin (positive: attacking does not pay) across futures, "
                          "and the share of futures in which deterrence holds.",
                    "ja": "抑止の余裕度(正: 侵攻が割に合わない)の将来にわたる分布と、"
                          "抑止が成立する将来の割合。"},
    "margin": {"en": "Margin", "ja": "余裕度"},
    "p_holds": {"en": "P(deterrence holds)", "ja": "抑止が成立する確率"},
    "p_holds_ci": {"en": "{p:.1%} (95 % interval {lo:.1%}–{hi:.1%})",
                   "ja": "{p:.1%}(95 %区間 {lo:.1%}〜{hi:.1%})"},
    # ---- autonomy
    "autonomy_intro": {
        "en": "Supply share by technology domain and origin: the data-library baseline (before) "
              "and the mean across futures after each policy's investment (after).",
        "ja": "技術分野と供給元ごとの供給シェア: データライブラリの基準値(投資前)と、"
              "各政策の投資後の将来平均(投資後)。"},
    "before": {"en": "Before (baseline)", "ja": "投資前(基準)"},
    "after": {"en": "After — {policy}", "ja": "投資後 — {policy}"},
    "domain": {"en": "Domain", "ja": "分野"},
    "origin": {"en": "Origin", "ja": "供給元"},
    "share": {"en": "Share", "ja": "シェア"},
    # ---- sensitivity / discovery
    "no_sensitivity": {
        "en": "This run has no sensitivity results. Save them beside the run with `kaname "
              "analyze sobol FILE --outcome NAME --format json > DIR/sobol.json` (or morris) "
              "and write the report again.",
        "ja": "この実行には感度分析の結果がありません。`kaname analyze sobol FILE --outcome NAME "
              "--format json > DIR/sobol.json`(または morris)で実行ディレクトリに保存し、"
              "レポートを再作成してください。"},
    "sobol_title": {"en": "Sobol' indices of {outcome} (first order S1 and total ST)",
                    "ja": "{outcome}のSobol指数(一次 S1 と全効果 ST)"},
    "morris_title": {"en": "Morris screening of {outcome} (μ*)",
                     "ja": "{outcome}のMorrisスクリーニング(μ*)"},
    "sens_words": {"en": "The largest influence on {outcome} is {first} ({value}).",
                   "ja": "{outcome}に最も大きく影響するのは{first}です({value})。"},
    "no_discovery": {
        "en": "No scenario-discovery boxes for this run: {why}",
        "ja": "この実行にはシナリオ探索のボックスがありません: {why}"},
    "why_no_uncertainty": {"en": "it samples no uncertainty.",
                           "ja": "不確実要因を抽出していません。"},
    "why_no_deterrence": {"en": "it has no deterrence outcome and no saved PRIM result.",
                          "ja": "抑止の指標も保存済みのPRIM結果もありません。"},
    "why_constant": {"en": "deterrence {state} in every future, so there is nothing to tell "
                           "apart.",
                     "ja": "すべての将来で抑止が{state}ため、区別するものがありません。"},
    "state_holds": {"en": "holds", "ja": "成立する"},
    "state_fails": {"en": "fails", "ja": "成立しない"},
    "prim_where": {"en": "Futures in which {where}: {k:,} of {n:,} ({share:.0%}).",
                   "ja": "{where}将来: {n:,}件中{k:,}件({share:.0%})。"},
    "prim_fails": {"en": "deterrence fails", "ja": "抑止が成立しない"},
    "prim_box": {"en": "Box {i}: {text}", "ja": "ボックス{i}: {text}"},
    "prim_no_box": {"en": "PRIM found no box of density {threshold:.0%} or more.",
                    "ja": "PRIMは密度{threshold:.0%}以上のボックスを見つけませんでした。"},
    "prim_computed": {"en": "Computed for this report on up to {n:,} rows (policy × future).",
                      "ja": "このレポート用に最大{n:,}行(政策×将来)で計算しました。"},
    "prim_saved": {"en": "From {file}.", "ja": "{file} より。"},
    # ---- assumptions / bibliography
    "assumptions_intro": {
        "en": "Every parameter of the data library with its value and where it comes from; "
              "numbers in brackets refer to the bibliography. Rows marked ◆ are sampled as "
              "uncertainties in this run.",
        "ja": "データライブラリの全パラメータの値と根拠。角括弧の番号は参考文献を指します。"
              "◆ の行はこの実行で不確実要因として抽出されています。"},
    "parameter": {"en": "Parameter", "ja": "パラメータ"},
    "value": {"en": "Value", "ja": "値"},
    "range": {"en": "Range", "ja": "範囲"},
    "unit": {"en": "Unit", "ja": "単位"},
    "basis": {"en": "Source or assumption", "ja": "出典または仮定"},
    "assumption": {"en": "Assumption: {text}", "ja": "仮定: {text}"},
    "table_years": {"en": "table, {first}–{last}", "ja": "表、{first}〜{last}年"},
    "confidence": {"en": "confidence: {level}", "ja": "確度: {level}"},
    "no_library": {"en": "The data library could not be loaded: {error}",
                   "ja": "データライブラリを読み込めませんでした: {error}"},
    # ---- dashboard
    "app_title": {"en": "kaname dashboard", "ja": "要 kaname ダッシュボード"},
    "language": {"en": "Language", "ja": "言語"},
    "scenario_pick": {"en": "Scenario", "ja": "シナリオ"},
    "upload": {"en": "Or upload a scenario (YAML)", "ja": "またはシナリオをアップロード(YAML)"},
    "upload_ok": {"en": "Loaded {name} from {file}.", "ja": "{file} から {name} を読み込みました。"},
    "upload_kept": {"en": "The previous scenario is kept.", "ja": "以前のシナリオを保持しています。"},
    "policy_pick": {"en": "Policy", "ja": "政策"},
    "levers": {"en": "Levers", "ja": "レバー"},
    "reset": {"en": "Reset levers to the policy", "ja": "レバーを政策の値に戻す"},
    "futures_line": {"en": "{n:,} futures, recomputed in {seconds:.2f} s",
                     "ja": "将来{n:,}件、再計算 {seconds:.2f} 秒"},
    "headline_now": {"en": "Headline outcomes (median across futures; Δ vs the policy as "
                           "written)",
                     "ja": "主要指標(将来の中央値。Δは政策どおりの設定との差)"},
    "export": {"en": "Export settings as scenario YAML", "ja": "設定をシナリオYAMLとして書き出す"},
    "charts": {"en": "Distributions across futures", "ja": "将来にわたる分布"},
    "group_other": {"en": "Other levers", "ja": "その他のレバー"},
    "group_sustainment": {"en": "Co-production", "ja": "共同生産"},
    "group_c2": {"en": "Command and control", "ja": "指揮統制"},
    "group_autonomy": {"en": "Investment portfolio (yen a year)", "ja": "投資配分(年額・円)"},
    "group_homeland": {"en": "Golden Dome", "ja": "ゴールデン・ドーム"},
    "billion": {"en": "billion {unit}", "ja": "十億{unit}"},
    "current_settings": {"en": "current settings", "ja": "現在の設定"},
    "as_written": {"en": "{policy} as written", "ja": "{policy}(元の設定)"},
    "loading": {"en": "Sampling futures and running the models…",
                "ja": "将来を抽出し、モデルを実行しています…"},
}


def tr(key: str, lang: str = "en", **kwargs: object) -> str:
    """The text for `key` in `lang` (English when a language is missing), formatted."""
    return lookup(TEXT, key, lang, **kwargs)
