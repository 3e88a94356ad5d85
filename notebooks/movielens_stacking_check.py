"""Does a stack beat its best base learner on MovieLens? Checked in two minutes instead of a `bench train` run.

On the features of `movielens_feature_check.py` (the tuned half-lives 1m, 1h, 1d, with the recent CTRs) and the
protocol's split (train on the first 80 %, the next 10 % is the meta-learner's validation slice, the latest 10 %
the holdout), fits the base learners on the training slice for the meta-learner's inputs and again on training +
validation for the holdout (the pipeline's refit), then compares stacks. Besides logistic regression and XGBoost
(30 rounds, depth 4, eta 0.3, as `flywheel train`) it tries auxiliary bases fitted to the whole-star rating, a
richer target than the click, and a feature-weighted stack (logits times the user's and item's history lengths).
Needs Debian's python3-xgboost and python3-sklearn. The README's "Training benchmark" quotes its output.

    /usr/bin/python3 notebooks/movielens_stacking_check.py ../shared/data/movielens-latest-small/ratings.csv
"""
import sys

import numpy as np
import xgboost as xgb
from sklearn.linear_model import LogisticRegression

import movielens_feature_check as check

TUNED = ["1m", "1h", "1d"]
COLUMNS = (check.both("log_count", "avg_rating", "positive_rate", "ctr", "last_rating", "log_seconds_since_last")
           + ["g_positive_rate", "g_ctr"]
           + check.both(*[f"decayed_positive_rate_{h}" for h in TUNED]) + check.both(*[f"decayed_ctr_{h}" for h in TUNED]))
TREES = dict(max_depth=4, eta=0.3, tree_method="hist", nthread=2)


def standardized(x, fit):
    z = (x - np.nanmean(x[fit], 0)) / (np.nanstd(x[fit], 0) + 1e-9)
    z[np.isnan(z)] = 0.0
    return z


def logit(p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def bases(x, clicked, stars, fit):
    """Each base learner's score for every row, fitted on the rows of `fit`."""
    z = standardized(x, fit)
    with_bias = np.hstack([z, np.ones((len(z), 1))])
    click_trees = xgb.train(dict(TREES, objective="binary:logistic"), xgb.DMatrix(x[fit], label=clicked[fit]), 30)
    star_trees = xgb.train(dict(TREES, objective="reg:squarederror"), xgb.DMatrix(x[fit], label=stars[fit]), 30)
    return {
        "lr": LogisticRegression(max_iter=500).fit(z[fit], clicked[fit]).decision_function(z),
        "xgb": logit(click_trees.predict(xgb.DMatrix(x))),
        "xgb_stars": star_trees.predict(xgb.DMatrix(x)),
        "lr_stars": with_bias @ np.linalg.lstsq(with_bias[fit], stars[fit], rcond=None)[0],
    }


def stacked_auc(inputs_for_meta, inputs_for_holdout, clicked, validation, holdout):
    mean, spread = inputs_for_meta[validation].mean(0), inputs_for_meta[validation].std(0) + 1e-9
    meta = LogisticRegression(max_iter=1000).fit((inputs_for_meta[validation] - mean) / spread, clicked[validation])
    return check.auc(((inputs_for_holdout[holdout] - mean) / spread) @ meta.coef_[0], clicked[holdout])


def main(path):
    users, items, ratings, times = check.load(path)
    features, clicked = check.features(users, items, ratings, times)
    x = features[:, [check.NAMES.index(c) for c in COLUMNS]]
    stars = np.ceil(ratings)  # the contract's whole-star rating, as the import lands it
    row = np.arange(len(clicked))
    train_end, holdout_start = int(len(row) * 0.8), int(len(row) * 0.9)
    validation, holdout = (row >= train_end) & (row < holdout_start), row >= holdout_start
    for_meta, for_holdout = bases(x, clicked, stars, row < train_end), bases(x, clicked, stars, row < holdout_start)
    for name, scores in for_holdout.items():
        print(f"{name:48s} holdout AUC {check.auc(scores[holdout], clicked[holdout]):.4f}")
    history = [np.nan_to_num(x[:, COLUMNS.index(side + "log_count")]) for side in ("u_", "i_")]
    weighted = lambda s: [s["lr"], s["xgb"], *history, *[s[k] * h for k in ("lr", "xgb") for h in history]]
    for label, inputs in [
        ("stack lr, xgb", lambda s: [s["lr"], s["xgb"]]),
        ("stack lr, xgb, xgb_stars", lambda s: [s["lr"], s["xgb"], s["xgb_stars"]]),
        ("stack lr, xgb, lr_stars, xgb_stars", lambda s: [s["lr"], s["xgb"], s["lr_stars"], s["xgb_stars"]]),
        ("stack lr, xgb, weighted by history lengths", weighted),
    ]:
        auc = stacked_auc(np.column_stack(inputs(for_meta)), np.column_stack(inputs(for_holdout)), clicked,
                          validation, holdout)
        print(f"{label:48s} holdout AUC {auc:.4f}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: movielens_stacking_check.py RATINGS_CSV")
    main(sys.argv[1])
