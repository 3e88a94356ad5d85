"""How far are the simulator benchmark's models from the best possible, and could any learner close the gap?

The simulator knows every click's probability: examination `(1 + position)^-b` times `sigmoid(u . i + bias)`, with the
users' factors rotated and the items' biases shifted from the drift on. Scoring the evaluation day's examples with
those probabilities gives the ceiling no model can pass (the oracle's AUC); scoring them without the users' factors
(each item's mean affinity over all users, times examination) gives the ceiling of a model that knows items and
positions perfectly and nobody's personal taste. Then it tries to learn the personal part two ways, on the same
split as `flywheel train` (the days before the cut by time: 70 % train, 15 % the meta-learner's validation slice,
refitted on 85 %):

- matrix factorization on the user and item ids (alternating least squares on the centred clicks, as MLlib's ALS),
  from the days before the evaluation day and from the 36 hours after the drift;
- fresh user x category rates (impressions, smoothed CTR and decayed CTRs with half-lives 1 h, 1 d, 7 d, from events
  strictly before each impression, as gold's features are built) added to logistic regression and XGBoost.

Needs Debian's python3-xgboost and python3-sklearn. The README's "Training benchmark" quotes its output.

    bin/flywheel bench train --simulator --requests 8000 --days 6          # evaluation_from, drift_at in its JSON
    bin/flywheel --home flywheel-data/bench-train sql --format csv ... > sim.csv  # as simulator_stacking_check.py
    # the same world and traffic (130,657 events, as the bench lands): requests = 8000 + settle_requests,
    # rate = 8000 / (days * 86400), start = drift_at - (days - 2) days
    bin/flywheel simulate --users 500 --items 300 --seed 7 --requests 10667 --rate 0.015432098765432098 \\
        --start 2026-11-27T00:00:00Z --drift-at 2026-12-01T00:00:00Z --output sim.jsonl   # writes sim.truth.json
    /usr/bin/python3 notebooks/simulator_ceiling_check.py sim.csv sim.jsonl sim.truth.json 2026-12-02T00:00:00Z
"""
import json
import sys
import warnings
from datetime import datetime

import numpy as np
import pandas as pd
import xgboost as xgb
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

warnings.filterwarnings("ignore")
DAY = 86400.0
HALF_LIVES = (3600.0, DAY, 7 * DAY)
PRIOR = 5.0
# Counts, durations and rates with a long tail: logged before standardizing, like the features' log1p_zscore.
HEAVY = ("impressions", "clicks", "purchases", "ratings", "seconds_since", "avg_dwell")


def seconds(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def logit(p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def ceilings(examples, truth, evaluation):
    users = {u["id"]: (np.array(u["factors"]), np.array(u["drifted_factors"])) for u in truth["users"]}
    items = {i["id"]: (np.array(i["factors"]), i["bias"], i["drifted_bias"]) for i in truth["items"]}
    day = examples[evaluation]
    y = day["label"].to_numpy()
    examination = (1.0 + day["position"].to_numpy()) ** -truth["position_bias"]

    def affinity(drifted):
        return expit(np.array([users[u][int(drifted)] @ items[i][0] + items[i][1 + int(drifted)]
                               for u, i in zip(day["user_id"], day["item_id"])]))

    oracle = examination * affinity(True)
    drifted_users = np.stack([factors[1] for factors in users.values()])
    appeal = {i: expit(drifted_users @ f + drifted_bias).mean() for i, (f, _, drifted_bias) in items.items()}
    print(f"evaluation day, {len(day)} examples, AUC:")
    print(f"  the hidden truth (oracle)              {roc_auc_score(y, oracle):.4f} (log loss {log_loss(y, oracle):.4f})")
    print(f"  the truth before the drift             {roc_auc_score(y, examination * affinity(False)):.4f}")
    print(f"  item appeal x examination (no taste)   "
          f"{roc_auc_score(y, examination * day['item_id'].map(appeal).to_numpy()):.4f}")
    print(f"  examination alone                      {roc_auc_score(y, examination):.4f}")


def alternating_least_squares(users, items, target, sizes, rank, regularization, iterations=10):
    """User and item factors (zero for an id absent from the fit) for `sizes` = (users, items) ids."""
    rng = np.random.default_rng(7)
    factors = [np.zeros((size, rank)) for size in sizes]
    factors[1][np.unique(items)] = rng.normal(0, 0.1, (len(np.unique(items)), rank))
    ids = [users, items]
    for _ in range(iterations):
        for side in (0, 1):
            other = factors[1 - side]
            for key in np.unique(ids[side]):
                rows = np.flatnonzero(ids[side] == key)
                a = other[ids[1 - side][rows]]
                # MLlib's ALS scales the regularization by each id's number of ratings, as here.
                factors[side][key] = np.linalg.solve(a.T @ a + regularization * len(rows) * np.eye(rank),
                                                     a.T @ target[rows])
    return factors


def factorization(examples, t, drift, start):
    users = pd.factorize(examples["user_id"])[0]
    items = pd.factorize(examples["item_id"])[0]
    y = examples["label"].to_numpy().astype(float)
    cut = np.quantile(t[t < start], 0.85)
    half_day = start + DAY / 2
    for name, fit, scored in (("the days before, to the holdout cut", t < cut, (t >= start) & (t < start + DAY)),
                              ("36 h after the drift", (t >= drift) & (t < half_day),
                               (t >= half_day) & (t < start + DAY))):
        for rank in (2, 4, 8):
            u, v = alternating_least_squares(users[fit], items[fit], y[fit] - y[fit].mean(),
                                             (users.max() + 1, items.max() + 1), rank, 0.05)
            score = np.sum(u[users[scored]] * v[items[scored]], 1)
            print(f"  ALS rank {rank}, fitted on {name} ({fit.sum()} examples, {fit.sum() / (users.max() + 1):.0f}"
                  f" a user): AUC {roc_auc_score(y[scored], score):.4f}")


def user_category_rates(events):
    """Per impression, the user's rates in the item's category from events strictly before it."""
    events = events[events["event_type"].isin(["impression", "click"])].copy()
    events["category"] = events["context"].map(lambda c: c["item_category"])
    events["t"] = pd.to_datetime(events["event_time"]).astype("int64") / 1e9
    # At one instant a click counts before an impression: "click" sorts first.
    events = events.sort_values(["t", "event_type"], kind="stable")
    state, rows, clicks, impressions = {}, {}, 0, 0
    for e in events[["user_id", "category", "t", "event_type", "request_id", "item_id"]].itertuples(index=False):
        s = state.setdefault((e.user_id, e.category), {"t": e.t, "n": 0.0, "c": 0.0, "dn": [0.0] * 3, "dc": [0.0] * 3})
        decay = [2 ** (-(e.t - s["t"]) / h) for h in HALF_LIVES]
        s["dn"] = [n * d for n, d in zip(s["dn"], decay)]
        s["dc"] = [c * d for c, d in zip(s["dc"], decay)]
        s["t"] = e.t
        if e.event_type == "impression":
            ctr = (s["c"] + PRIOR * (clicks / impressions if impressions else 0.1)) / (s["n"] + PRIOR)
            rows[(e.request_id, e.item_id)] = ([np.log1p(s["n"]), ctr] + [np.log1p(n) for n in s["dn"]]
                                               + [(c + PRIOR * ctr) / (n + PRIOR) for n, c in zip(s["dn"], s["dc"])])
            s["n"] += 1
            s["dn"] = [n + 1 for n in s["dn"]]
            impressions += 1
        else:
            s["c"] += 1
            s["dc"] = [c + 1 for c in s["dc"]]
            clicks += 1
    names = ["uc_impressions", "uc_ctr"] + [f"uc_decayed_{k}_{h}" for k in ("impressions", "ctr")
                                              for h in ("short", "mid", "long")]
    rates = pd.DataFrame([k + tuple(v) for k, v in rows.items()], columns=["request_id", "item_id"] + names)
    return rates, names


def with_and_without(examples, t, extra, cuts, evaluation):
    y = examples["label"].to_numpy()
    base = [c for c in examples.columns if c not in ("request_id", "user_id", "item_id", "t", "label") + tuple(extra)]
    for run, until in cuts:
        for label, columns in (("the pipeline's features", base), ("+ user x category rates", base + extra)):
            x = examples[columns].astype(float).fillna(0.0).to_numpy()
            heavy = [i for i, c in enumerate(columns) if any(k in c for k in HEAVY)]
            x[:, heavy] = np.log1p(np.clip(x[:, heavy], 0, None))
            first, second = np.quantile(t[t < until], [0.70, 0.85])
            train, validation, seen = t < first, (t >= first) & (t < second), t < second
            x = (x - x[train].mean(0)) / (x[train].std(0) + 1e-9)

            def lr(rows):
                model = LogisticRegression(max_iter=300).fit(x[rows], y[rows])
                return lambda m: logit(model.predict_proba(m)[:, 1])

            def trees(rows):
                params = {"objective": "binary:logistic", "tree_method": "hist", "seed": 7, "nthread": 2,
                          "max_depth": 4, "eta": 0.3, "base_score": y[rows].mean()}
                booster = xgb.train(params, xgb.DMatrix(x[rows], label=y[rows]), 30)
                return lambda m: logit(booster.predict(xgb.DMatrix(m)))

            inputs = {n: (fit(train)(x[validation]), fit(seen)(x[evaluation])) for n, fit in (("lr", lr), ("xgb", trees))}
            meta = LogisticRegression(C=1e6).fit(np.stack([v for v, _ in inputs.values()], 1), y[validation])
            stack = meta.predict_proba(np.stack([e for _, e in inputs.values()], 1))[:, 1]
            auc = {n: roc_auc_score(y[evaluation], e) for n, (_, e) in inputs.items()}
            stacked = roc_auc_score(y[evaluation], stack)
            print(f"  {run:6s} {label:25s} LR {auc['lr']:.4f}  XGBoost {auc['xgb']:.4f}  stack {stacked:.4f}"
                  f" ({stacked - max(auc.values()):+.4f})")


def main(examples_csv, events_jsonl, truth_json, evaluation_from):
    examples = pd.read_csv(examples_csv)
    truth = json.load(open(truth_json))
    t = examples["t"].to_numpy()
    start, drift = seconds(evaluation_from), seconds(truth["drift_at"])
    evaluation = (t >= start) & (t < start + DAY)
    ceilings(examples, truth, evaluation)
    print("personal taste from the ids, evaluation day (the last 12 h of it for the 36 h fit):")
    factorization(examples, t, drift, start)
    rates, names = user_category_rates(pd.read_json(events_jsonl, lines=True))
    examples = examples.merge(rates, on=["request_id", "item_id"], how="left")
    print("personal taste from fresh user x category rates, evaluation day (static: trained before the drift):")
    with_and_without(examples, examples["t"].to_numpy(), names, (("static", drift), ("full", start)), evaluation)


if __name__ == "__main__":
    main(*sys.argv[1:5])
