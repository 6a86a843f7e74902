"""English text of every user-facing string outside model declarations (a flat
mapping key -> string; see :mod:`kaname.text`). ``ja.py`` has the same keys."""

from __future__ import annotations

TEXT: dict[str, str] = {
    # ---- words shared by several tables
    "common.policy": "Policy",
    "common.outcome": "Outcome",
    "common.median": "Median",
    "common.band": "10–90 %",
    "common.unit": "Unit",
    "common.value": "Value",
    "common.source": "Source",
    "common.parameter": "Parameter",
    "common.scenario": "Scenario",
    "common.domain": "Domain",
    # ---- the headline table (CLI, report, dashboard)
    "headline.diff": "Δ vs {first} (median of paired differences, 95 % interval)",
    "headline.interval": "{diff} ({low} to {high})",
    "headline.intro": ("Median and 10–90 % band across futures; the last column is the median of "
                       "the paired difference from {first} (every policy faces the same futures) "
                       "with its 95 % interval. A yes/no outcome shows the share of futures in "
                       "which it holds, and the difference in shares with its interval; a "
                       "difference whose interval includes 0 is within the noise."),
    "headline.better_higher": "higher is better",
    "headline.better_lower": "lower is better",
    # ---- unit labels (kaname.text.unit_label)
    "unit.dimensionless": "",
    "unit.share": "share of futures",
    "unit.day": "days",
    "unit.hour": "h",
    "unit.year": "years",
    "unit.missile": "missiles",
    "unit.shot": "shots",
    "unit.missile/year": "missiles/yr",
    "unit.shot/day": "shots/day",
    "unit.JPY": "JPY",
    "unit.USD": "USD",
    "unit.JPY/year": "JPY/yr",
    "unit.USD/year": "USD/yr",
    "unit.calendar_year": "year",
    "unit.request/day": "requests/day",
    "unit.interceptor": "interceptors",
    # ---- kaname run / validate / demo
    "run.by_group": "{path} = {group} ({n} futures)",
    "run.results_written": "Results written to {path}",
    "run.scenario_ok": "{file}: valid — {n_pol} policies, {n_unc} uncertainties",
    "run.title": "{name}: {n} futures × {p} policies (seed {seed}, {design})",
    # ---- kaname data
    "data.assumption": "Assumption",
    "data.range": "Range (low–high)",
    "data.canonical": "in the model: {value} {unit} (a plain number in a scenario is read in {unit}; write the unit otherwise)",
    "findings.title": "Key findings against {baseline} ({n:,} futures, paired differences, 95 % intervals):",
    "findings.difference": "{policy} vs {baseline}: {outcome} {diff}",
    "findings.condition": ", mostly where {condition}",
    "findings.drivers": "; driven by {drivers}",
    "findings.driver": "{label} ({kind}, PAWN {index})",
    "findings.sourced": "sourced",
    "findings.assumption": "assumption",
    "findings.strong": "; at least half of it in {share} of futures",
    "findings.sep": ", ",
    "findings.noise": "Within the noise for {policy} (the interval includes 0): {outcomes}.",
    "voi.title": "Value of information for {outcome}: choosing now takes {best}; knowing the future first is worth {evpi} (EVPI)",
    "voi.input": "Uncertainty",
    "voi.evppi": "Worth learning first (EVPPI)",
    "voi.noise": "Estimator noise",
    "voi.kind": "Backing",
    "voi.note": "EVPPI: the gain in the outcome's mean from learning that one uncertainty before choosing, from the ensemble (equal-count bins); below the estimator noise (the same estimate on a shuffled copy) it is not a finding.",
    "data.ok": "data library: {n} entries, all sourced or labelled assumptions, units OK",
    "data.src_no_publisher": "{where}: publisher {publisher!r} is not in the publishers table ({file})",
    "data.src_not_of_record": "{where}: url {url} is not on a domain of record of {publisher} ({domains}); put the publisher's own address in url and this one in copy",
    "data.src_copy_high": "{where}: cites only a copy (no url of record), so it cannot be rated high",
    "data.src_failed": "{n} source(s) not cited of record: url must be the publisher's own address (publishers table); a mirror or repost goes in copy",
    "data.mix_kind": "sources: {n} — by kind: {kinds}",
    "data.mix_confidence": "by confidence: {levels}",
    "data.mix_record": "of record: {record}; copy only: {copy}",
    "data.mix_entries": "entries: {sourced} sourced, {assumption} assumption only",
    # ---- the HTML report (kaname report) and its charts
    "report.title": "kaname report — {name}",
    "report.generated": "Generated {when} by kaname {version}",
    "report.contents": "Contents",
    "report.offline_note": "This file is self-contained: it loads nothing from the network.",
    "report.failed_banner": ("Incomplete run: {failed} of {chunks} chunks failed ({done} done). "
                             "This report covers only the {futures:,} futures of the finished "
                             "chunks. Finish the run with `kaname explore --resume {dir}` and "
                             "write the report again."),
    "report.failed_chunk": "Chunk {k}: {error}",
    "report.pending_banner": ("Incomplete run: {pending} of {chunks} chunks have not finished. "
                              "This report covers only the {futures:,} futures of the finished "
                              "chunks."),
    "report.not_in_run": "This run has no {what} outputs (the model was not part of it).",
    "report.sec_scenario": "Appendix A. Scenario and policies",
    "report.sec_findings": "Key findings",
    "report.findings_one_policy": "One policy only: there is nothing to compare it with.",
    "report.findings_more": "{n} more findings: `kaname findings` lists them all.",
    "report.sec_headline": "Appendix B. Every headline outcome by policy",
    "report.sec_sustainment": "How long do the munitions last, and what does co-production in Japan buy?",
    "report.sec_c2": "Does the 19-hour gap between Tokyo and Hawaii slow alliance decisions?",
    "report.sec_homeland": "What does Golden Dome cost, against the public estimates?",
    "report.sec_posture": "Does the US stay engaged in the Indo-Pacific?",
    "report.sec_deterrence": "Does deterrence of a Taiwan contingency hold?",
    "report.sec_autonomy": "What does Japan's economic-security exposure cost in yen?",
    "report.sec_budget": "At what cost in yen?",
    "report.budget_intro": "What each policy costs Japan's defence budget over the horizon, and that cost plus the expected coercion harm over the same years, so that yen spent and harm avoided sit on one line.",
    "report.budget_figure": "Cost over the horizon by policy",
    "report.yen": "Yen",
    "report.sec_sensitivity": "Which inputs matter most (variance-based sensitivity)?",
    "report.sec_discovery": "In which futures does deterrence fail (scenario discovery)?",
    "report.sec_assumptions": "Appendix C. Assumptions and parameters (searchable)",
    "report.sec_bibliography": "Appendix D. Bibliography",
    "report.run_line": ("{futures:,} futures × {policies} policies; design {design}, seed {seed}; "
                        "base year {base_year}, horizon {horizon} days."),
    "report.policies": "Policies (lever settings)",
    "report.lever": "Lever",
    "report.no_levers": "No policy sets a lever: every policy uses the data-library defaults.",
    "report.uncertainties": "Uncertainties (sampled across futures)",
    "report.distribution": "Distribution",
    "report.sampled_range": "Sampled range",
    "report.no_uncertainties": "The run samples no uncertainty.",
    "report.scenario_file": "Scenario file (frozen copy)",
    "report.fan_title": "{munition}: theatre stock by day (median, 25–75 % and 10–90 %)",
    "report.depletion_intro": ("Days until each munition's theatre stock runs out, across futures: the dot is the median, the thick line the middle half (25–75 %) and the thin line 10–90 % of futures; a policy that lasts longer sits further right."),
    "report.depletion_title": "{munition}: days to depletion",
    "report.depletion_all": "Days to depletion by munition and policy",
    "report.fan_heading": "Stock by day",
    "report.intervals_note": "The dot is the median across futures, the thick line the middle half (25–75 %), the thin line 10–90 %.",
    "report.gd_by_architecture": "20-year cost by architecture, against the public estimates (dashed)",
    "report.gd_by_policy": "20-year cost by policy, against the public estimates (dashed)",
    "report.cost_usd_log": "20-year cost (USD, log scale)",
    "report.copy_only": "copy read: {url} (the publisher's own address was not found)",
    "report.by_title": "By {input}",
    "report.by_intro": "The paired differences from the baseline, computed on the futures of each group of {input} ({path}; {groups} groups: one per value, or equal-count bins of a continuous input). Futures stay paired inside each group.",
    "report.by_nothing": "No policy moves a headline outcome beyond the noise over the whole run, so there is nothing to break down.",
    "report.by_figure": "Paired difference from the baseline by {input}",
    "report.by_axis": "Paired difference (policy − baseline), in the outcome's unit",
    "report.sliced_banner": "This report covers only the futures where {conditions} ({futures} futures).",
    "report.cite_heading": "Cite this run",
    "report.cite_intro": "Quote these with any number from this report: they identify the code, the data and the scenario that produced it.",
    "report.cite_version": "kaname version",
    "report.cite_data": "Data library (SHA-256 of its files)",
    "report.cite_scenario": "Scenario (SHA-256 of the frozen file)",
    "report.cite_seed": "Seed, design, futures",
    "report.cite_text": "kaname {version}, scenario {scenario} ({scenario_hash}), data library {data_hash}, seed {seed}, {design}, {futures} futures.",
    "report.search_placeholder": "Filter the rows: a path, a word, a source…",
    "report.search_count": "rows shown",
    "report.fan_note": "Daily paths kept for {n} futures per policy.",
    "report.no_series": ("The run kept no daily series, so there are no stock fan charts; rerun "
                         "with --keep-series N to keep them."),
    "report.day": "Day of conflict",
    "report.stock": "Theatre stock (missiles)",
    "report.share_futures": "Share of futures",
    "report.depletion_by_munition": "Days to depletion by munition: median (10–90 % of futures)",
    "report.denial_race": "The denial race: sinking the lift before the attacker is established",
    "report.denial_race_note": "With the US fighting: the probability that the alliance's anti-ship and strike shots sink the failure share of the attacker's lift before it is established, the net share sunk by then, and the share of launchers still standing. Median (10–90 % of futures).",
    "report.never_depleted": "Share of futures with no depletion within the horizon",
    "report.c2_intro": ("Distribution of the median coordination latency across futures, by "
                        "command structure."),
    "report.c2_one_structure": ("Only one structure ({structure}) appears in this run. To compare "
                                "structures, set c2.structure in a policy or sample it as an "
                                "uncertainty."),
    "report.c2_counterfactual": ("This run uses one structure ({structure}), so the report ran the "
                                 "c2 model alone for every structure on the run's first {n:,} "
                                 "futures, with the other c2 inputs as in policy {policy}."),
    "report.c2_parts": "Why one structure is faster: the mean latency by part",
    "report.c2_parts_note": ("The mean coordination latency split into hop transit, staff work, "
                             "queueing and waiting for commanders, each as it would be with "
                             "every headquarters on Tokyo's clock, and the rest: what the time "
                             "difference costs (negative where it helps). The parts add up to "
                             "the mean. Median (10–90 % of futures)."),
    "report.c2_saving": "The joint force HQ's saving, and how much of it is the time difference",
    "report.c2_saving_note": ("Paired on the same futures ({pair}). The time difference explains "
                              "{share} of the mean saving; the rest is the hop, the queue and the "
                              "commanders' wait that a decision in Japan skips."),
    "report.c2_saving_both": "the c2 model run for both structures on the run's futures",
    "report.c2_saving_policies": "policy {a} against policy {b}",
    "report.c2_saving_row": "Saving in mean latency (Hawaii-centric − JFHQ)",
    "report.c2_saving_clock_row": "of which the time difference",
    "report.c2_interval": "95 % interval of the median",
    "report.hours": "Hours",
    "report.structure": "Structure",
    "report.homeland_intro": ("The modelled 20-year cost of Golden Dome across futures, set against the "
                              "public totals (dashed): the White House, the programme office, AEI and "
                              "CBO (May 2026 space-based layer; its 2025 restatement of the 2004 "
                              "alternatives is the source of the \"$831B\" figure). Japan's levers do "
                              "not move this cost; its spread comes from the architecture and the "
                              "sampled costs."),
    "report.headline_figures": "Public headline figures",
    "report.figure": "Figure",
    "report.modelled_cost": "Modelled 20-year cost, median (10–90 %)",
    "report.posture_intro": ("Indo-Pacific index relative to the FY2026 baseline (1 = unchanged), "
                             "across futures."),
    "report.index": "Index",
    "report.deter_intro": ("Deterrence margin (positive: attacking does not pay) across futures, "
                           "and the share of futures in which deterrence holds."),
    "report.margin": "Margin",
    "report.p_holds": "P(deterrence holds)",
    "report.p_holds_ci": "{p:.1%} (95 % interval {lo:.1%}–{hi:.1%})",
    "report.autonomy_intro": ("Supply share by technology domain and origin: the data-library "
                              "baseline (before) and the mean across futures after each policy's "
                              "investment (after)."),
    "report.autonomy_harm": ("Expected coercion harm a year under {policy}, by origin and mode "
                             "(mean over futures), and the mean of the worst 5 % of years. "
                             "Tariffs do not depend on Japan's supply, so no technology "
                             "investment lowers them."),
    "report.before": "Before (baseline)",
    "report.after": "After — {policy}",
    "report.origin": "Origin",
    "report.share": "Share",
    "report.no_sensitivity": ("This run has no sensitivity results. Save them beside the run with "
                              "`kaname analyze sobol FILE --outcome NAME --format json > "
                              "DIR/sobol.json` (or morris) and write the report again."),
    "report.sobol_title": "Sobol' indices of {outcome} (first order S1 and total ST)",
    "report.morris_title": "Morris screening of {outcome} (μ*)",
    "report.sens_words": "The largest influence on {outcome} is {first} ({value}).",
    "report.no_discovery": "No scenario-discovery boxes for this run: {why}",
    "report.why_no_uncertainty": "it samples no uncertainty.",
    "report.why_no_deterrence": "it has no deterrence outcome and no saved PRIM result.",
    "report.why_constant": "deterrence {state} in every future, so there is nothing to tell apart.",
    "report.state_holds": "holds",
    "report.state_fails": "fails",
    "report.prim_where": "Futures in which {where}: {k:,} of {n:,} ({share:.0%}).",
    "report.prim_fails": "deterrence fails",
    "report.prim_box": "Box {i}: {text}",
    "report.prim_no_box": "PRIM found no box of density {threshold:.0%} or more.",
    "report.prim_screened": ("PRIM searched the {k} of the run's {n} uncertainties most "
                              "rank-correlated with the outcome (|Spearman ρ|), to keep the report "
                              "quick; `kaname analyze prim` searches them all."),
    "report.prim_computed": "Computed for this report on up to {n:,} rows (policy × future).",
    "report.prim_saved": "From {file}.",
    "report.assumptions_intro": ("Every parameter of the data library with its value and where it "
                                 "comes from; numbers in brackets refer to the bibliography. Rows "
                                 "marked ◆ are sampled as uncertainties in this run."),
    "report.assumption_mix": ("Of the {total} entries, {sourced} cite sources and {assumed} rest on a "
                              "labelled assumption alone; of the {sampled} this run samples, "
                              "{sampled_assumed} are assumptions. A finding driven by an assumption "
                              "is as strong as that assumption: the findings mark each driver."),
    "report.findings_assumed": "Of the {sampled} inputs this run samples, {assumed} rest on a labelled assumption rather than a source (Appendix C lists each with its rationale).",
    "report.range": "Range",
    "report.basis": "Source or assumption",
    "report.assumption_text": "Assumption: {text}",
    "report.table_years": "table, {first}–{last}",
    "report.confidence": "confidence: {level}",
    "report.no_library": "The data library could not be loaded: {error}",
    "report.written": "Report written to {path} ({size:.1f} MB)",
    # ---- the dashboard (kaname serve)
    "app.lang_name": "English",
    "app.title": "kaname dashboard",
    "app.language": "Language",
    "app.upload": "Or upload a scenario (YAML)",
    "app.upload_ok": "Loaded {name} from {file}.",
    "app.upload_kept": "The previous scenario is kept.",
    "app.levers": "Levers",
    "app.reset": "Reset levers to the policy",
    "app.futures_line": "{n:,} futures, recomputed in {seconds:.2f} s",
    "app.headline_now": ("Headline outcomes (median across futures, or the share of futures for a "
                         "yes/no outcome; Δ vs the policy as written)"),
    "app.export": "Export settings as scenario YAML",
    "app.charts": "Distributions across futures",
    "app.billion": "billion {unit}",
    "app.current_settings": "current settings",
    "app.as_written": "{policy} as written",
    "app.loading": "Sampling futures and running the models…",
    # the dashboard's key findings panel (issue #17)
    "app.findings": "Key findings: current settings vs {policy} as written",
    "app.findings_none": ("Nothing differs from {policy} as written beyond the noise: the 95 % "
                          "interval of every paired difference includes 0."),
    "app.findings_drivers_on": ("Where it holds and what drives it: from the first {n:,} of the "
                                "{total:,} futures; differences and intervals from all {total:,}."),
    "app.findings_seconds": "Findings computed in {seconds:.2f} s.",
    "app.findings_noise": "Within the noise",
    "app.findings_computing": "Finding what drives the differences…",
    # ---- PRIM boxes in words (kaname.analysis.prim)
    "prim.between": "{label} between {lo} and {hi}",
    "prim.below": "{label} below {hi}",
    "prim.above": "{label} above {lo}",
    "prim.int_between": "{label} from {lo} to {hi}",
    "prim.int_below": "{label} at most {hi}",
    "prim.int_above": "{label} at least {lo}",
    "prim.int_equal": "{label} equal to {lo}",
    "prim.category": "{label} is {values}",
    "prim.or": " or ",
    "prim.and": " and ",
    "prim.stats": "coverage {coverage:.0f} %, density {density:.0f} %",
    "prim.everywhere": "all futures",
    "prim.policy": "policy",
    # ---- kaname analyze
    "analyze.robust_title": "{label} [{unit}] — {better} is better; {n} futures",
    "analyze.better_higher": "higher",
    "analyze.better_lower": "lower",
    "analyze.rank": "Rank",
    "analyze.mean": "Mean",
    "analyze.regret_mean": "Mean regret",
    "analyze.regret_p90": "Regret p90",
    "analyze.regret_max": "Max regret",
    "analyze.satisficing_title": "Share of futures meeting the thresholds",
    "analyze.all": "All thresholds",
    "analyze.ranking": "Ranking: most satisficing first, then least maximum regret on {first}",
    "analyze.independent": "note: Sobol' and Morris need independent inputs; this scenario's "
                           "correlations and drivers are ignored here",
    "analyze.sobol_title": ("Sobol' indices of {outcome} — N = {n}, {evals} runs, policy "
                            "'{policy}', ± {conf:.0f} % confidence"),
    "analyze.input": "Uncertainty",
    "analyze.s1": "First order S1",
    "analyze.st": "Total ST",
    "analyze.s2_title": "Largest interactions (S2)",
    "analyze.pair": "Pair",
    "analyze.morris_title": ("Morris screening of {outcome} — {r} trajectories, {evals} runs, "
                             "policy '{policy}' (effects per unit of quantile)"),
    "analyze.prim_title": "Scenario discovery: {where} in {k} of {n} cases ({share:.0f} %)",
    "analyze.box": "Box {i}",
    "analyze.no_box": ("No box reaches density {threshold:.0%}; lower --threshold to see weaker "
                       "patterns."),
    "analyze.quasi_p": "quasi-p",
    "analyze.side_lower": "lower",
    "analyze.side_upper": "upper",
    "analyze.side_categories": "categories",
    "analyze.pruned": "dropped (quasi-p above {p:g}): {names}",
    "analyze.selects_nothing": ("the condition {where!r} selects no case (0 of {n}); nothing to "
                                "discover — check the outcome's values with `kaname analyze "
                                "robustness`"),
    "analyze.selects_all": ("the condition {where!r} selects every case ({n} of {n}); nothing to "
                            "tell apart"),
    # ---- kaname search
    "search.title": ("{scenario}: Pareto set of {k} lever settings — {gens} generations × {pop} "
                     "candidates, each over the same {futures} futures ({evals} policy evaluations)"),
    "search.written": "Pareto set written to {path}",
    # ---- kaname homeland
    "homeland.metric": "Metric",
    "homeland.headline": "Public headline totals",
    "homeland.row_threat": "Threat",
    "homeland.row_salvo": "Salvo (missiles)",
    "homeland.row_latitude": "Launch latitude (°)",
    "homeland.row_confidence": "Confidence",
    "homeland.row_time_available_s": "Time available (s)",
    "homeland.row_reach_km": "Reach (km)",
    "homeland.row_share_in_reach": "Share of SBIs in reach",
    "homeland.row_absentee_ratio": "Absentee ratio",
    "homeland.row_sbi_count": "SBI count",
    "homeland.row_p_salvo_engaged": "P(whole salvo engaged)",
    "homeland.row_sbi_layer_cost_20y_usd": "SBI layer cost, 20 y (US$B)",
    "homeland.row_cost_20y_usd": "Total cost, 20 y (US$B)",
    "homeland.row_mean_annual_cost_10y_usd": "Mean annual cost, first decade (US$B)",
    "homeland.row_expected_leakers_total": "Expected leakers (base raid)",
    "homeland.row_p_no_leak_total": "P(no leaker)",
    "homeland.row_architecture": "Architecture",
    # ---- kaname c2
    "c2.simulation": "simulation",
    "c2.approximation": "approximation",
    "c2.structure_hawaii_centric": "Hawaii-centric",
    "c2.structure_jfhq_in_japan": "JFHQ in Japan",
    "c2.title": ("{scenario} · policy {policy} · {situation} · {days:g} days × {reps} replications "
                 "(seed {seed})"),
    "c2.situation_peacetime": "peacetime",
    "c2.situation_crisis": "crisis",
    "c2.ci": "± 95 % CI of the mean over replications",
    "c2.mean_wait": "Mean wait (simulated)",
    "c2.erlang": "Mean wait (Erlang C)",
    "c2.customers": "Requests measured",
    "c2.utilisation": "Utilisation",
    "c2.minutes": "min",
    # ---- kaname runs
    "runs.repair_rebuilt": "{dir}: manifest rebuilt (run parameters from {source}; design {design})",
    "runs.repair_kept": "kept {n} of {chunks} chunks: {which}",
    "runs.repair_reset": "reset to pending {n} of {chunks} chunks:",
    "runs.repair_note": "note: {note}",
    "runs.repair_resume": "finish it with kaname explore --resume {dir}",
    "runs.repair_complete": "the run is complete",
    "runs.dir": "Run directory",
    "runs.created": "Created",
    "runs.updated": "Updated",
    "runs.futures": "Futures",
    "runs.policies": "Policies",
    "runs.design": "Design",
    "runs.seed": "Root seed",
    "runs.chunks": "Chunks (done/total)",
    "runs.failed": "Failed chunks",
    "runs.status": "Status",
    "runs.chunk_size": "Futures per chunk",
    "runs.versions": "Versions",
    "runs.source": "Scenario file",
    "runs.corrupted": "Corrupted chunk files",
    "runs.missing": "missing",
    "runs.no_runs": "no runs in the catalog {path}",
    "runs.exported": "{rows:,} rows written to {path}",
    "runs.item": "Item",
    "runs.status_complete": "complete",
    "runs.status_running": "running or killed",
    "runs.status_incomplete": "incomplete",
    "runs.status_failed": "failed chunks",
    # ---- kaname explore
    "explore.task": "Exploring {name}",
    "explore.rate": "samples/s",
    "explore.complete": ("run complete: {done}/{chunks} chunks, {samples:,} samples in "
                         "{seconds:.1f} s ({rate:,.0f} samples/s) → {dir}"),
    "explore.failed": ("run finished with {n} failed chunk(s) of {chunks}; fix the cause and rerun "
                       "them with `kaname explore --resume {dir}`"),
    "explore.chunk_failed": "chunk {k} failed: {error}",
    "explore.interrupted": ("interrupted: {done} of {chunks} chunks kept; finish with `kaname "
                            "explore --resume {dir}`"),
    "explore.warning": "warning: {text}",
    # ---- kaname autonomy
    "autonomy.title": ("{scenario}: supply shares by domain and origin, before → after policy "
                       "'{policy}' ({years:g}-year horizon)"),
    "autonomy.investment": "Investment (¥ bn/yr)",
    "autonomy.measure": "Measure",
    "autonomy.before": "Before",
    "autonomy.after": "After",
    "autonomy.change": "Change",
    "autonomy.risks_title": "Risks before and after the investments",
    "autonomy.cost_unit": "¥ bn",
    "autonomy.rank_title": ("{scenario}: harm from {origin} avoided per yen spent, by domain "
                            "(average at the amount, then the marginal)"),
    "autonomy.rank_source": "Amount from",
    "autonomy.rank_reference": "reference (no policy funds it)",
    "autonomy.rank_average": "¥ avoided per ¥ (average)",
    "autonomy.rank_marginal": "¥ avoided per ¥ (marginal)",
    "autonomy.rank_index": "Index points per ¥100B",
    "autonomy.rank_gap": "Room to the ceiling closed",
    "autonomy.rank_note": ("Yen of expected coercion harm avoided over the risk horizon per yen "
                           "spent before the conflict, at the data library's base values: "
                           "above 1 the investment pays for itself. The marginal is below the "
                           "average where returns diminish; the risk index per ¥100B is "
                           "secondary; ties are ranked by domain name."),
    "autonomy.tradeoff_title": "{b} − {a} on the same {n} futures (paired differences)",
    "autonomy.tradeoff_diff": "Median difference",
    "autonomy.tradeoff_interval": "95 % interval",
    "autonomy.tradeoff_dominance": ("{b} is better on both US commitment and expected coercion "
                                    "harm in {both_b} of futures, {a} in {both_a}; they split "
                                    "(a real trade-off) in {split}."),
    "autonomy.tradeoff_belief": ("{b} commits the US more in {share} of futures. Between two "
                                 "economic-security portfolios it does exactly when k/h exceeds "
                                 "ΔD/ΔG (where ΔG > 0; median {ratio}): k the log-odds per doubling of "
                                 "capacity open to US gaps, h the log-odds lost per unit of US "
                                 "supply visibly displaced."),
    "autonomy.tradeoff_frontier": "Share of futures in which {b} commits the US more, by thirds of h (rows) and k (columns)",
    "autonomy.tradeoff_price": ("Per future, {b}'s extra coercion harm over the horizon per point "
                                "(0.01) of extra US commitment: median {median} (p10 {low}, p90 "
                                "{high}). {b} is worth it to a user who values a point of US "
                                "commitment above that."),
    "autonomy.tradeoff_commits": "{b} commits the US more in {share} of futures; the two do not differ in capacity open to US gaps or in US supply visibly displaced.",
    "autonomy.no_policy": "no policy named {policy!r}; policies: {names}",
    # ---- kaname serve
    "serve.serving": "kaname dashboard on http://{host}:{port} (Ctrl-C to stop)",
}
