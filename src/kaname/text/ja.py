"""日本語: the Japanese text of every user-facing string outside model declarations (a
flat mapping key -> string; see :mod:`kaname.text`). ``en.py`` has the same keys."""

from __future__ import annotations

TEXT: dict[str, str] = {
    # ---- words shared by several tables
    "common.policy": "政策",
    "common.outcome": "指標",
    "common.median": "中央値",
    "common.band": "10–90 %区間",
    "common.unit": "単位",
    "common.value": "値",
    "common.source": "出典",
    "common.parameter": "パラメータ",
    "common.scenario": "シナリオ",
    "common.domain": "分野",
    # ---- the headline table (CLI, report, dashboard)
    "headline.diff": "{first}との差(対応差の中央値、95 %区間)",
    "headline.interval": "{diff}({low}から{high})",
    "headline.intro": ("将来にわたる中央値と10〜90 %区間。最後の列は{first}との対応差の中央値"
                       "と95 %区間です(すべての政策は同じ将来に直面します)。成立・不成立の指標は、"
                       "成立する将来の割合と割合の差をその区間とともに示します。区間が0を含む差は"
                       "ノイズの範囲内です。"),
    "headline.better_higher": "高いほど良い",
    "headline.better_lower": "低いほど良い",
    # ---- unit labels (kaname.text.unit_label)
    "unit.dimensionless": "",
    "unit.share": "将来シナリオに占める割合",
    "unit.day": "日",
    "unit.hour": "時間",
    "unit.year": "年",
    "unit.missile": "発",
    "unit.shot": "発",
    "unit.missile/year": "発/年",
    "unit.shot/day": "発/日",
    "unit.JPY": "円",
    "unit.USD": "ドル",
    "unit.JPY/year": "円/年",
    "unit.USD/year": "ドル/年",
    "unit.calendar_year": "年",
    "unit.request/day": "件/日",
    "unit.interceptor": "基",
    # ---- kaname run / validate / demo
    "run.results_written": "結果を{path}に書き出しました",
    "run.scenario_ok": "{file}: 有効 — 政策{n_pol}件、不確実要因{n_unc}件",
    "run.title": "{name}: 将来{n}件 × 政策{p}件(シード{seed}、{design})",
    # ---- kaname data
    "data.assumption": "仮定",
    "data.range": "範囲(下限–上限)",
    "data.ok": "データライブラリ: {n}項目、全て出典または仮定付き、単位も正常",
    # ---- the HTML report (kaname report) and its charts
    "report.title": "要 kaname レポート — {name}",
    "report.generated": "{when} に kaname {version} で作成",
    "report.contents": "目次",
    "report.offline_note": "このファイルは自己完結しており、ネットワークから何も読み込みません。",
    "report.failed_banner": ("未完了の実行: {chunks}チャンク中{failed}件が失敗しました(完了{done}件"
                             ")。このレポートは完了したチャンクの将来{futures:,}件のみを扱います。"
                             "`kaname explore --resume {dir}` で実行を完了してから、レポートを再作"
                             "成してください。"),
    "report.failed_chunk": "チャンク{k}: {error}",
    "report.pending_banner": ("未完了の実行: {chunks}チャンク中{pending}件が未完了です。このレポー"
                              "トは完了したチャンクの将来{futures:,}件のみを扱います。"),
    "report.not_in_run": "この実行には{what}の出力がありません(モデルが含まれていません)。",
    "report.sec_scenario": "シナリオと政策",
    "report.sec_headline": "主要指標",
    "report.sec_sustainment": "継戦能力(弾薬)",
    "report.sec_c2": "同盟の指揮統制",
    "report.sec_homeland": "ゴールデン・ドーム: 費用と撃ち漏らし",
    "report.sec_posture": "米国の態勢: インド太平洋指数",
    "report.sec_deterrence": "抑止",
    "report.sec_autonomy": "経済安全保障: 供給元別シェア",
    "report.sec_sensitivity": "感度分析",
    "report.sec_discovery": "シナリオ探索(PRIM)",
    "report.sec_assumptions": "前提とパラメータ",
    "report.sec_bibliography": "参考文献",
    "report.run_line": ("将来{futures:,}件 × 政策{policies}件。実験計画 {design}、シード {seed}、基"
                        "準年 {base_year}、評価期間 {horizon}日。"),
    "report.policies": "政策(レバーの設定)",
    "report.lever": "レバー",
    "report.no_levers": "どの政策もレバーを設定していません。すべてデータライブラリの既定値です。",
    "report.uncertainties": "不確実要因(将来ごとに抽出)",
    "report.distribution": "分布",
    "report.sampled_range": "抽出範囲",
    "report.no_uncertainties": "この実行は不確実要因を抽出していません。",
    "report.scenario_file": "シナリオファイル(保存時の写し)",
    "report.fan_title": "{munition}: 日別の戦域在庫(中央値、25〜75 %・10〜90 %区間)",
    "report.fan_note": "日次の推移は政策ごとに将来{n}件分を保存しています。",
    "report.no_series": ("この実行は日次の推移を保存していないため、在庫の扇形図はありません。"
                         "--keep-series N を付けて再実行してください。"),
    "report.day": "開戦からの日数",
    "report.stock": "戦域在庫(発)",
    "report.depletion_title": "{munition}: 枯渇までの日数",
    "report.share_futures": "将来の割合",
    "report.depletion_by_munition": "弾薬別の枯渇までの日数:中央値(将来の10–90 %)",
    "report.denial_race": "拒否の競争:侵攻側が上陸拠点を確立する前に輸送力を撃沈できるか",
    "report.denial_race_note": "米国が参戦する場合:同盟の対艦・打撃ミサイルが、侵攻側の上陸拠点確立までに輸送力の失敗基準割合を撃沈できる確率、その時点までに撃沈した輸送力の割合(純)、残存する発射機の割合。中央値(将来の10–90 %)。",
    "report.never_depleted": "評価期間内に枯渇しない将来の割合",
    "report.c2_intro": "指揮統制の構造別に見た、調整所要時間(中央値)の将来にわたる分布。",
    "report.c2_one_structure": ("この実行に現れる構造は1つ({structure})だけです。構造を比較するには"
                                "、政策で c2.structure を設定するか、不確実要因として抽出してくださ"
                                "い。"),
    "report.c2_counterfactual": ("この実行の構造は1つ({structure})だけなので、レポート作成時に c2 "
                                 "モデル単体をすべての構造について、実行の最初の将来{n:,}件で評価し"
                                 "ました(その他の c2 入力は政策{policy}のとおり)。"),
    "report.c2_parts": "なぜ一方の構造が速いのか:平均所要時間の内訳",
    "report.c2_parts_note": ("平均調整所要時間を、伝達、幕僚作業、待ち行列、指揮官待ち(いずれもすべての"
                             "司令部が東京の時刻で勤務する場合)と、残り、すなわち時差による分(有利に働く"
                             "場合は負)に分けたもの。内訳の和は平均に等しい。中央値(将来の10–90 %)。"),
    "report.c2_saving": "統合軍司令部による短縮と、そのうち時差による分",
    "report.c2_saving_note": ("同じ将来どうしの対比較({pair})。平均短縮時間のうち時差で説明される"
                              "のは{share}で、残りは日本で決定することで省かれる中継、待ち行列、"
                              "指揮官待ちによる。"),
    "report.c2_saving_both": "この実行の将来について c2 モデルを両構造で評価",
    "report.c2_saving_policies": "政策{a}と政策{b}の比較",
    "report.c2_saving_row": "平均所要時間の短縮(ハワイ中心 − 統合軍司令部)",
    "report.c2_saving_clock_row": "うち時差による分",
    "report.c2_interval": "中央値の95 %区間",
    "report.hours": "時間",
    "report.structure": "構造",
    "report.homeland_intro": ("各点は1つの将来(政策ごとに最大{n}件を抽出): ゴールデン・ドームの20年"
                              "費用と撃ち漏らし期待数。破線は公表された総額で、比較用です。"),
    "report.cost_busd": "20年費用(10億ドル)",
    "report.leakers": "撃ち漏らし期待数(全種)",
    "report.headline_figures": "公表された数値",
    "report.figure": "数値",
    "report.modelled_cost": "モデルによる20年費用の中央値(10〜90 %)",
    "report.posture_intro": "2026年度を基準(1=変化なし)としたインド太平洋指数の将来にわたる分布。",
    "report.index": "指数",
    "report.deter_intro": ("抑止の余裕度(正: 侵攻が割に合わない)の将来にわたる分布と、抑止が成立す"
                           "る将来の割合。"),
    "report.margin": "余裕度",
    "report.p_holds": "抑止が成立する確率",
    "report.p_holds_ci": "{p:.1%}(95 %区間 {lo:.1%}〜{hi:.1%})",
    "report.autonomy_intro": ("技術分野と供給元ごとの供給シェア: データライブラリの基準値(投資前)と"
                              "、各政策の投資後の将来平均(投資後)。"),
    "report.autonomy_harm": ("{policy}の下での供給元・手段別の威圧による年間期待損害額(将来平均)と、"
                             "最悪5%の年の平均損害額。関税は日本の供給構成に依存しないため、"
                             "技術投資では下がらない。"),
    "report.before": "投資前(基準)",
    "report.after": "投資後 — {policy}",
    "report.origin": "供給元",
    "report.share": "シェア",
    "report.no_sensitivity": ("この実行には感度分析の結果がありません。`kaname analyze sobol FILE "
                              "--outcome NAME --format json > DIR/sobol.json`(または morris)で実行"
                              "ディレクトリに保存し、レポートを再作成してください。"),
    "report.sobol_title": "{outcome}のSobol指数(一次 S1 と全効果 ST)",
    "report.morris_title": "{outcome}のMorrisスクリーニング(μ*)",
    "report.sens_words": "{outcome}に最も大きく影響するのは{first}です({value})。",
    "report.no_discovery": "この実行にはシナリオ探索のボックスがありません: {why}",
    "report.why_no_uncertainty": "不確実要因を抽出していません。",
    "report.why_no_deterrence": "抑止の指標も保存済みのPRIM結果もありません。",
    "report.why_constant": "すべての将来で抑止が{state}ため、区別するものがありません。",
    "report.state_holds": "成立する",
    "report.state_fails": "成立しない",
    "report.prim_where": "{where}将来: {n:,}件中{k:,}件({share:.0%})。",
    "report.prim_fails": "抑止が成立しない",
    "report.prim_box": "ボックス{i}: {text}",
    "report.prim_no_box": "PRIMは密度{threshold:.0%}以上のボックスを見つけませんでした。",
    "report.prim_screened": ("レポートを速く作るため、PRIMはこの実行の{n}個の不確実要因のうち結果との"
                              "順位相関(|スピアマンのρ|)が大きい{k}個を探索しました。"
                              "`kaname analyze prim` はすべてを探索します。"),
    "report.prim_computed": "このレポート用に最大{n:,}行(政策×将来)で計算しました。",
    "report.prim_saved": "{file} より。",
    "report.assumptions_intro": ("データライブラリの全パラメータの値と根拠。角括弧の番号は参考文献"
                                 "を指します。◆ の行はこの実行で不確実要因として抽出されています。"),
    "report.range": "範囲",
    "report.basis": "出典または仮定",
    "report.assumption_text": "仮定: {text}",
    "report.table_years": "表、{first}〜{last}年",
    "report.confidence": "確度: {level}",
    "report.no_library": "データライブラリを読み込めませんでした: {error}",
    "report.written": "レポートを{path}に書き出しました({size:.1f} MB)",
    # ---- the dashboard (kaname serve)
    "app.lang_name": "日本語",
    "app.title": "要 kaname ダッシュボード",
    "app.language": "言語",
    "app.upload": "またはシナリオをアップロード(YAML)",
    "app.upload_ok": "{file} から {name} を読み込みました。",
    "app.upload_kept": "以前のシナリオを保持しています。",
    "app.levers": "レバー",
    "app.reset": "レバーを政策の値に戻す",
    "app.futures_line": "将来{n:,}件、再計算 {seconds:.2f} 秒",
    "app.headline_now": ("主要指標(将来の中央値。成立・不成立の指標は成立する将来の割合。"
                         "Δは政策どおりの設定との差)"),
    "app.export": "設定をシナリオYAMLとして書き出す",
    "app.charts": "将来にわたる分布",
    "app.billion": "十億{unit}",
    "app.current_settings": "現在の設定",
    "app.as_written": "{policy}(元の設定)",
    "app.loading": "将来を抽出し、モデルを実行しています…",
    # ---- PRIM boxes in words (kaname.analysis.prim)
    "prim.between": "{label}が{lo}〜{hi}",
    "prim.below": "{label}が{hi}以下",
    "prim.above": "{label}が{lo}以上",
    "prim.int_between": "{label}が{lo}〜{hi}",
    "prim.int_below": "{label}が{hi}以下",
    "prim.int_above": "{label}が{lo}以上",
    "prim.int_equal": "{label}が{lo}",
    "prim.category": "{label}が{values}",
    "prim.or": "または",
    "prim.and": "、かつ",
    "prim.stats": "カバー率 {coverage:.0f} %、密度 {density:.0f} %",
    "prim.everywhere": "すべての将来",
    "prim.policy": "政策",
    # ---- kaname analyze
    "analyze.robust_title": "{label} [{unit}] — {better}ほど良い。将来{n}件",
    "analyze.better_higher": "高い",
    "analyze.better_lower": "低い",
    "analyze.rank": "順位",
    "analyze.mean": "平均",
    "analyze.regret_mean": "平均後悔",
    "analyze.regret_p90": "後悔 p90",
    "analyze.regret_max": "最大後悔",
    "analyze.satisficing_title": "閾値を満たす将来の割合",
    "analyze.all": "全閾値",
    "analyze.ranking": "順位: 閾値充足率の高い順、次に{first}の最大後悔の小さい順",
    "analyze.independent": "注: Sobol'法とMorris法は入力の独立を前提とするため、このシナリオの"
                           "相関(correlations)とドライバー(drivers)はここでは無視されます",
    "analyze.sobol_title": ("{outcome}のSobol指数 — N = {n}、{evals}回評価、政策「{policy}」、± "
                            "{conf:.0f} %信頼区間"),
    "analyze.input": "不確実要因",
    "analyze.s1": "一次 S1",
    "analyze.st": "全効果 ST",
    "analyze.s2_title": "主な交互作用 (S2)",
    "analyze.pair": "組",
    "analyze.morris_title": ("{outcome}のMorrisスクリーニング — 軌道{r}本、{evals}回評価、政策「"
                             "{policy}」(分位1単位あたりの効果)"),
    "analyze.prim_title": "シナリオ探索: {where} は {n}件中{k}件({share:.0f} %)",
    "analyze.box": "ボックス{i}",
    "analyze.no_box": ("密度{threshold:.0%}に達するボックスはありません。--thresholdを下げると弱い"
                       "パターンも表示されます。"),
    "analyze.quasi_p": "準p値",
    "analyze.side_lower": "下限",
    "analyze.side_upper": "上限",
    "analyze.side_categories": "区分",
    "analyze.pruned": "削除した制約(準p値が{p:g}超): {names}",
    "analyze.selects_nothing": "条件{where!r}に当てはまるケースがありません({n}件中0件)",
    "analyze.selects_all": "条件{where!r}はすべてのケース({n}件中{n}件)に当てはまります",
    # ---- kaname search
    "search.title": ("{scenario}: パレート集合({k}件のレバー設定)— {gens}世代 × 候補{pop}件、各候補"
                     "を同じ将来{futures}件で評価(政策評価{evals}回)"),
    "search.written": "パレート集合を{path}に書き出しました",
    # ---- kaname homeland
    "homeland.metric": "指標",
    "homeland.headline": "公表された総額",
    "homeland.row_threat": "脅威",
    "homeland.row_salvo": "同時発射数",
    "homeland.row_latitude": "発射緯度(度)",
    "homeland.row_confidence": "信頼度",
    "homeland.row_time_available_s": "交戦可能時間(秒)",
    "homeland.row_reach_km": "到達距離(km)",
    "homeland.row_share_in_reach": "射程内SBIの割合",
    "homeland.row_absentee_ratio": "不在率",
    "homeland.row_sbi_count": "SBI数",
    "homeland.row_p_salvo_engaged": "全弾交戦確率",
    "homeland.row_sbi_layer_cost_20y_usd": "SBI層費用・20年(十億ドル)",
    "homeland.row_cost_20y_usd": "総費用・20年(十億ドル)",
    "homeland.row_mean_annual_cost_10y_usd": "最初の10年の年平均費用(十億ドル)",
    "homeland.row_expected_leakers_total": "撃ち漏らし期待数(基準攻撃)",
    "homeland.row_p_no_leak_total": "撃ち漏らしゼロの確率",
    "homeland.row_architecture": "構成",
    # ---- kaname c2
    "c2.simulation": "シミュレーション",
    "c2.approximation": "近似モデル",
    "c2.structure_hawaii_centric": "ハワイ中心",
    "c2.structure_jfhq_in_japan": "在日統合軍司令部",
    "c2.title": "{scenario}・政策 {policy}・{situation}・{days:g}日 × {reps}回反復(シード{seed})",
    "c2.situation_peacetime": "平時",
    "c2.situation_crisis": "危機時",
    "c2.ci": "平均の95%信頼区間(反復間)",
    "c2.mean_wait": "平均待ち時間(シミュレーション)",
    "c2.erlang": "平均待ち時間(アーランC式)",
    "c2.customers": "計測した要求数",
    "c2.utilisation": "稼働率",
    "c2.minutes": "分",
    # ---- kaname runs
    "runs.dir": "実行ディレクトリ",
    "runs.created": "作成日時",
    "runs.updated": "更新日時",
    "runs.futures": "将来シナリオ数",
    "runs.policies": "政策",
    "runs.design": "実験計画",
    "runs.seed": "ルートシード",
    "runs.chunks": "チャンク(完了/全体)",
    "runs.failed": "失敗チャンク",
    "runs.status": "状態",
    "runs.chunk_size": "チャンクあたり将来シナリオ数",
    "runs.versions": "バージョン",
    "runs.source": "シナリオファイル",
    "runs.corrupted": "破損したチャンクファイル",
    "runs.missing": "存在しない",
    "runs.no_runs": "カタログ{path}に実行記録はありません",
    "runs.exported": "{rows:,}行を{path}に書き出しました",
    "runs.item": "項目",
    "runs.status_complete": "完了",
    "runs.status_running": "実行中または強制終了",
    "runs.status_incomplete": "未完了",
    "runs.status_failed": "失敗チャンクあり",
    # ---- kaname explore
    "explore.task": "{name}を探索中",
    "explore.rate": "サンプル/秒",
    "explore.complete": ("実行完了: チャンク{done}/{chunks}、{samples:,}サンプルを{seconds:.1f}秒で"
                         "評価({rate:,.0f}サンプル/秒)→ {dir}"),
    "explore.failed": ("{chunks}チャンク中{n}件が失敗しました。原因を直し、`kaname explore "
                       "--resume {dir}`で再実行してください"),
    "explore.chunk_failed": "チャンク{k}が失敗: {error}",
    "explore.interrupted": ("中断しました: {chunks}チャンク中{done}件を保存。`kaname explore "
                            "--resume {dir}`で再開できます"),
    "explore.warning": "警告: {text}",
    # ---- kaname autonomy
    "autonomy.title": ("{scenario}: 分野・供給元別の供給シェア(政策「{policy}」の投資前 → 投資後、"
                       "評価期間{years:g}年)"),
    "autonomy.investment": "投資額(十億円/年)",
    "autonomy.measure": "指標",
    "autonomy.before": "投資前",
    "autonomy.after": "投資後",
    "autonomy.change": "変化",
    "autonomy.risks_title": "投資前後のリスク",
    "autonomy.cost_unit": "十億円",
    "autonomy.rank_title": ("{scenario}: 分野別、支出1円あたりに回避される{origin}による損害"
                            "(投資額での平均、次に限界)"),
    "autonomy.rank_source": "投資額の出所",
    "autonomy.rank_reference": "参照値(どの政策も投資しない)",
    "autonomy.rank_average": "1円あたり回避額(平均)",
    "autonomy.rank_marginal": "1円あたり回避額(限界)",
    "autonomy.rank_index": "¥1,000億あたり指数低減",
    "autonomy.rank_gap": "上限までの余地のうち埋まった割合",
    "autonomy.rank_note": ("有事までに支出した1円あたり、評価期間中に回避される威圧の期待損害額(データライブラリの基準値)。"
                           "1を超えれば投資は回避損害で元が取れる。収穫逓減がある分野では限界値が平均値を下回る。"
                           "¥1,000億あたりのリスク指数は副次的な指標。同値は分野名の順。"),
    "autonomy.tradeoff_title": "同じ{n}通りの将来での{b} − {a}(対応のある差)",
    "autonomy.tradeoff_diff": "差の中央値",
    "autonomy.tradeoff_interval": "95%区間",
    "autonomy.tradeoff_dominance": ("米国のコミットメントと威圧の期待損害の両方で{b}が優る将来は{both_b}、"
                                    "{a}が優る将来は{both_a}、両者が分かれる(真のトレードオフ)将来は{split}。"),
    "autonomy.tradeoff_belief": ("{b}が米国をより強く関与させる将来は{share}。二つの経済安全保障投資の間では、"
                                 "k/hがΔD/ΔG(ΔG > 0のとき。中央値{ratio})を上回るときに限りそうなる。kは米国の弱点に"
                                 "使える能力が倍増するごとの対数オッズ、hは目に見える米国製供給の代替1単位あたりに"
                                 "失われる対数オッズ。"),
    "autonomy.tradeoff_frontier": "{b}が米国をより強く関与させる将来の割合(hの三分位×kの三分位)",
    "autonomy.tradeoff_price": ("将来ごとの、{b}の追加的なコミットメント1ポイント(0.01)あたりの評価期間中の"
                                "追加的な威圧損害: 中央値{median}(p10 {low}、p90 {high})。米国のコミットメント"
                                "1ポイントをそれ以上に評価する利用者にとって{b}は見合う。"),
    "autonomy.tradeoff_commits": "{b}が米国をより強く関与させる将来は{share}。両者は米国の弱点に使える能力でも、目に見える米国製供給の代替でも違わない。",
    "autonomy.no_policy": "政策{policy!r}はありません。政策: {names}",
    # ---- kaname serve
    "serve.serving": "kaname ダッシュボード: http://{host}:{port}(Ctrl-C で停止)",
}
