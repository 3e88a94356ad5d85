"""Which point-in-time features carry MovieLens, checked in seconds instead of a 30-minute `bench train`.

Replays `ratings.csv` in time order the way Flywheel's import and features job see it (each rating's
impression at its timestamp, its rating and click one second later, so an example sees the ratings more than
a second before it; ratings rounded up to whole stars, as the import lands them; clicks exactly for a rating
>= 4 as rated, the label), computes per user and item the features of `gold.training_examples` and a few the
pipeline does not have, and fits a logistic regression (Newton steps, numpy only) on the protocol's split:
the latest 10 % is the holdout, the 10 % before it is left out as the stack's validation slice is.
The README's "Training benchmark" quotes its table.

    python3 notebooks/movielens_feature_check.py ../shared/data/movielens-latest-small/ratings.csv
"""
import math
import sys
from collections import defaultdict

import numpy as np

PRIOR = 20.0  # features --prior-strength
HALF_LIVES = {"1m": 60.0, "10m": 600.0, "1h": 3600.0, "1d": 86400.0, "7d": 604800.0}
PER_ENTITY = (["log_count", "avg_rating", "positive_rate", "ctr", "rating_spread", "last_rating",
               "log_seconds_since_last", "log_seconds_since_first", "offset_from_other_side"]
              + [f"decayed_positive_rate_{h}" for h in HALF_LIVES] + [f"decayed_ctr_{h}" for h in HALF_LIVES])
NAMES = [side + f for side in ("u_", "i_") for f in PER_ENTITY] + ["g_positive_rate", "g_ctr"]


def load(path):
    data = np.genfromtxt(path, delimiter=",", skip_header=1)
    order = np.argsort(data[:, 3], kind="stable")
    data = data[order]
    return data[:, 0].astype(int), data[:, 1].astype(int), data[:, 2], data[:, 3].astype(np.int64)


def features(users, items, ratings, times):
    stars = np.ceil(ratings)  # the import rounds 3.5 up to 4: positive_ratings counts it, the click does not
    positive = (stars >= 4).astype(float)
    clicked = (ratings >= 4).astype(float)
    new_state = lambda: dict(n=0, sum=0.0, sq=0.0, pos=0.0, clicks=0.0, last=np.nan, last_time=np.nan,
                             first_time=np.nan, offset=0.0, d_pos=defaultdict(float), d_n=defaultdict(float),
                             d_clicks=defaultdict(float))
    state = (defaultdict(new_state), defaultdict(new_state))
    global_n = global_pos = global_clicks = 0.0
    rows, applied, i, n = [], 0, 0, len(ratings)
    while i < n:
        t = times[i]
        k = i
        while k < n and times[k] == t:
            k += 1
        while applied < n and times[applied] + 1 < t:  # the rating event is one second after its impression
            j = applied
            user, item = state[0][users[j]], state[1][items[j]]
            means = [s["sum"] / s["n"] if s["n"] else 3.5 for s in (item, user)]
            for s, other_mean in ((user, means[0]), (item, means[1])):
                for h, seconds in HALF_LIVES.items():
                    decay = 2 ** (-(times[j] - s["last_time"]) / seconds) if s["n"] else 0.0
                    s["d_pos"][h] = s["d_pos"][h] * decay + positive[j]
                    s["d_clicks"][h] = s["d_clicks"][h] * decay + clicked[j]
                    s["d_n"][h] = s["d_n"][h] * decay + 1
                s["n"] += 1
                s["sum"] += stars[j]
                s["sq"] += stars[j] ** 2
                s["pos"] += positive[j]
                s["clicks"] += clicked[j]
                s["offset"] += stars[j] - other_mean
                s["last"] = stars[j]
                s["last_time"] = times[j]
                if np.isnan(s["first_time"]):
                    s["first_time"] = times[j]
            global_n += 1
            global_pos += positive[j]
            global_clicks += clicked[j]
            applied += 1
        g_pos = global_pos / global_n if global_n else 0.5
        g_ctr = global_clicks / global_n if global_n else 0.0
        for q in range(i, k):
            row = []
            for s in (state[0][users[q]], state[1][items[q]]):
                m = s["n"]
                positive_rate = (s["pos"] + PRIOR * g_pos) / (m + PRIOR)
                ctr = (s["clicks"] + PRIOR * g_ctr) / (m + PRIOR)
                mean = s["sum"] / m if m else np.nan
                row += [math.log1p(m), mean, positive_rate, ctr,
                        math.sqrt(max(s["sq"] / m - mean ** 2, 0.0)) if m else np.nan, s["last"],
                        math.log1p(t - s["last_time"]) if m else np.nan,
                        math.log1p(t - s["first_time"]) if m else np.nan, s["offset"] / m if m else np.nan]
                decays = {h: 2 ** (-(t - s["last_time"]) / sec) if m else 0.0 for h, sec in HALF_LIVES.items()}
                row += [(s["d_pos"][h] * decays[h] + PRIOR * positive_rate) / (s["d_n"][h] * decays[h] + PRIOR)
                        for h in HALF_LIVES]
                row += [(s["d_clicks"][h] * decays[h] + PRIOR * ctr) / (s["d_n"][h] * decays[h] + PRIOR)
                        for h in HALF_LIVES]
            rows.append(row + [g_pos, g_ctr])
        i = k
    return np.array(rows), clicked


def auc(scores, labels):
    order = np.argsort(scores, kind="stable")
    _, inverse, counts = np.unique(scores[order], return_inverse=True, return_counts=True)
    ranks = np.empty(len(scores))
    ranks[order] = (np.cumsum(counts) - (counts - 1) / 2)[inverse]
    positives = labels.sum()
    return (ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * (len(labels) - positives))


def holdout_auc(x, y, columns, l2=1e-3, steps=25):
    n = len(y)
    train_end, holdout_start = int(n * 0.8), int(n * 0.9)
    z = x[:, [NAMES.index(c) for c in columns]].copy()
    missing = np.isnan(z)
    z = (z - np.nanmean(z[:train_end], 0)) / (np.nanstd(z[:train_end], 0) + 1e-9)
    z[missing] = 0.0
    z = np.hstack([z, np.ones((n, 1))])
    w = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-z[:train_end] @ w))
        gradient = z[:train_end].T @ (p - y[:train_end]) / train_end + l2 * w
        hessian = (z[:train_end] * (p * (1 - p))[:, None]).T @ z[:train_end] / train_end + l2 * np.eye(len(w))
        w -= np.linalg.solve(hessian, gradient)
    return auc(z[holdout_start:] @ w, y[holdout_start:])


def both(*features):
    return [side + f for side in ("u_", "i_") for f in features]


def main(path):
    x, y = features(*load(path))
    core = both("log_count", "avg_rating", "positive_rate", "ctr", "last_rating", "log_seconds_since_last")
    core += ["g_positive_rate", "g_ctr"]
    rates = lambda name, lives: both(*[f"{name}_{h}" for h in lives])
    default, tuned = ["1h", "1d", "7d"], ["1m", "1h", "1d"]
    extra = both("rating_spread", "log_seconds_since_first", "offset_from_other_side")
    for label, columns in [
        ("the features before decayed_ctr (half-lives 1h, 1d, 7d)", core + rates("decayed_positive_rate", default)),
        ("+ decayed_ctr (1h, 1d, 7d)", core + rates("decayed_positive_rate", default) + rates("decayed_ctr", default)),
        ("half-lives 1m, 1h, 1d, without decayed_ctr", core + rates("decayed_positive_rate", tuned)),
        ("half-lives 1m, 1h, 1d + decayed_ctr", core + rates("decayed_positive_rate", tuned) + rates("decayed_ctr", tuned)),
        ("  + rating spread, age, offset from the other side's mean",
         core + rates("decayed_positive_rate", tuned) + rates("decayed_ctr", tuned) + extra),
    ]:
        print(f"{label:64s} holdout AUC {holdout_auc(x, y, columns):.4f}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: movielens_feature_check.py RATINGS_CSV")
    main(sys.argv[1])
