"""Is there room for a stacking gain on the simulator benchmark's examples, and which trees and extra learner make it?

Reads the training examples of a `bench train --simulator` catalog as CSV and replays its full run in seconds, split
as `flywheel train` splits by default: the days before the evaluation day by time, the first 70 % train, the next
15 % the validation slice that fits the meta-learner, the last 15 % the holdout that no served model learns from;
the bases are refitted on train and validation (85 %), and everything is scored on the evaluation day. First it
picks XGBoost's settings from a small grid by their AUC on the validation slice (trained on the training slice; the
evaluation day's AUC is printed beside it but chooses nothing), starting from the label rate as XGBoost 2.0 and
later do. Then, besides logistic regression and the chosen XGBoost, it tries a small neural network (scikit-learn's
MLP), the same LR fitted on the latest fifth of its rows only (after the drift it follows the new taste) and
XGBoost's pairwise ranker grouped by request (`flywheel train`'s fourth learner since 2026-12-07), alone and
stacked. Needs Debian's python3-xgboost and python3-sklearn. The README's "Training benchmark" quotes its output.

    bin/flywheel bench train --simulator --requests 8000 --days 6
    bin/flywheel --home flywheel-data/bench-train sql --format csv --limit 10000000 \\
        "SELECT request_id, user_id, item_id, cast(event_time AS double) AS t, cast(clicked AS int) AS label, \\
         <the columns of Trainer.featureColumns()> FROM gold.training_examples WHERE clicked IS NOT NULL" > sim.csv
    /usr/bin/python3 notebooks/simulator_stacking_check.py sim.csv 2026-12-01T00:00:00Z

The second argument is the evaluation day's start, `evaluation_from` in the benchmark's JSON.
"""
import sys
import warnings
from datetime import datetime

import numpy as np
import pandas as pd
import xgboost as xgb
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.neural_network import MLPClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)
BOOSTING = {"objective": "binary:logistic", "tree_method": "hist", "seed": 7, "nthread": 2}
# (rounds, max_depth, eta, min_child_weight, subsample): XGBoost's own defaults with 30 rounds (`flywheel train`'s
# defaults), then shallower, slower-learning, more regularized trees.
GRID = [(30, 4, 0.3, 1, 1), (30, 6, 0.3, 1, 1), (100, 4, 0.1, 1, 1), (100, 3, 0.1, 1, 1), (100, 4, 0.1, 20, 1),
        (100, 3, 0.1, 20, 1), (100, 3, 0.1, 50, 1), (200, 3, 0.05, 50, 0.8), (100, 2, 0.1, 20, 1), (200, 2, 0.1, 20, 1),
        (100, 2, 0.1, 50, 1), (100, 1, 0.1, 20, 1), (300, 1, 0.1, 20, 1)]
# Counts, durations and rates with a long tail: logged before standardizing, like the features' log1p_zscore.
HEAVY = ("impressions", "clicks", "purchases", "ratings", "seconds_since", "avg_dwell")


def logit(p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def main(path, evaluation_from):
    df = pd.read_csv(path)
    features = [c for c in df.columns if c not in ("request_id", "user_id", "item_id", "t", "label")]
    x = df[features].astype(float).fillna(0.0).to_numpy()
    heavy = [i for i, c in enumerate(features) if any(k in c for k in HEAVY)]
    x[:, heavy] = np.log1p(np.clip(x[:, heavy], 0, None))
    y = df["label"].to_numpy()
    t = df["t"].to_numpy()
    start = datetime.fromisoformat(evaluation_from.replace("Z", "+00:00")).timestamp()
    before = t < start
    cut_train, cut_validation = np.quantile(t[before], [0.70, 0.85])
    train, validation = t < cut_train, (t >= cut_train) & (t < cut_validation)
    seen, evaluation = t < cut_validation, (t >= start) & (t < start + 86400)
    x = (x - x[train].mean(0)) / (x[train].std(0) + 1e-9)
    print(f"rows: train {train.sum()}, validation {validation.sum()}, evaluation day {evaluation.sum()}")

    def lr(rows):
        return LogisticRegression(max_iter=300).fit(x[rows], y[rows]).predict_proba

    def trees(settings, rows):
        rounds, depth, eta, min_child_weight, subsample = settings
        params = dict(BOOSTING, max_depth=depth, eta=eta, min_child_weight=min_child_weight, subsample=subsample,
                      base_score=y[rows].mean())
        booster = xgb.train(params, xgb.DMatrix(x[rows], label=y[rows]), rounds)
        return lambda m: np.stack([1 - booster.predict(xgb.DMatrix(m)), booster.predict(xgb.DMatrix(m))], 1)

    chosen, chosen_auc = None, 0
    for settings in GRID:
        on_slice = roc_auc_score(y[validation], trees(settings, train)(x[validation])[:, 1])
        on_day = roc_auc_score(y[evaluation], trees(settings, seen)(x[evaluation])[:, 1])
        print(f"XGBoost {settings}: validation slice AUC {on_slice:.4f} (evaluation day {on_day:.4f})")
        if on_slice > chosen_auc:
            chosen, chosen_auc = settings, on_slice
    print(f"chosen on the validation slice: {chosen}")

    def boosted(rows):
        return trees(chosen, rows)

    def mlp(rows):
        return MLPClassifier(hidden_layer_sizes=(32, 16), alpha=1e-3, early_stopping=True, max_iter=50,
                             random_state=7).fit(x[rows], y[rows]).predict_proba

    def recent_lr(rows):
        return lr(rows & (t >= np.quantile(t[rows], 0.8)))

    requests = df["request_id"].to_numpy()

    def ranker(rows):
        # Xgboost.fitRanker's settings; query groups must be contiguous, so the rows go in request order.
        order = np.flatnonzero(rows)
        order = order[np.argsort(requests[order], kind="stable")]
        grouped = requests[order]
        sizes = np.diff(np.r_[np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]]), len(order)])
        matrix = xgb.DMatrix(x[order], label=y[order])
        matrix.set_group(sizes)
        params = dict(BOOSTING, objective="rank:pairwise", max_depth=3, eta=0.1, min_child_weight=20)
        booster = xgb.train(params, matrix, 100)
        def predict_proba(m):
            # The margin is a score; as a "probability" its logistic function, whose logit the stack reads back.
            p = expit(booster.predict(xgb.DMatrix(m), output_margin=True))
            return np.stack([1 - p, p], 1)

        return predict_proba

    on_validation, on_evaluation = {}, {}
    for name, fit in {"lr": lr, "xgboost": boosted, "mlp": mlp, "recent_lr": recent_lr, "ranker": ranker}.items():
        on_validation[name] = fit(train)(x[validation])[:, 1]
        on_evaluation[name] = fit(seen)(x[evaluation])[:, 1]
        print(f"{name:10s} AUC {roc_auc_score(y[evaluation], on_evaluation[name]):.4f}"
              f" log loss {log_loss(y[evaluation], on_evaluation[name]):.4f}")

    for names in (["lr", "xgboost"], ["lr", "xgboost", "mlp"], ["lr", "xgboost", "recent_lr"],
                  ["lr", "xgboost", "mlp", "recent_lr"], ["lr", "ranker"], ["lr", "xgboost", "ranker"]):
        meta = LogisticRegression(C=1e6, max_iter=1000).fit(
            np.stack([logit(on_validation[n]) for n in names], 1), y[validation])
        stacked = meta.predict_proba(np.stack([logit(on_evaluation[n]) for n in names], 1))[:, 1]
        auc = roc_auc_score(y[evaluation], stacked)
        best = max(roc_auc_score(y[evaluation], on_evaluation[n]) for n in names)
        print(f"stack {'+'.join(names):28s} AUC {auc:.4f} ({auc - best:+.4f} over its best base),"
              f" weights {np.round(meta.coef_[0], 2)}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
