#!/usr/bin/python3
"""Nemoscope's GLM engine against scikit-learn and statsmodels, on the same data, at the same optimum.

For each row (observation, regularizer, n, p) the script generates X and y with NumPy, writes them as .npy,
runs the C++ driver (fit_bench) to the optimum, then each peer with tight tolerances, and evaluates every
tool's coefficients with the nemos objective (mean negative log-likelihood + penalty, intercept unpenalised).
It prints each tool's time, its objective gap to Nemoscope's, the largest difference of its coefficients and
intercept from Nemoscope's, and the time ratio peer / Nemoscope. Each tool is timed up to three times (once
when a run takes over 10 s) and its fastest run counts.

Peers (all objectives identical to nemos' up to constants):
  Poisson + Ridge     sklearn PoissonRegressor(alpha=strength), solvers lbfgs and newton-cholesky
  Bernoulli + Ridge   sklearn LogisticRegression(C=1/(n*strength)), solvers lbfgs and newton-cholesky
  Poisson + Lasso     statsmodels GLM(Poisson).fit_regularized(elastic_net, L1_wt=1, alpha=strength,
                      intercept unpenalised); scikit-learn has no L1 Poisson model
Usage: /usr/bin/python3 bench_fit.py --driver BUILD/tests/benchmarks/fit/fit_bench [--sizes small|all]
"""

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

PEER_TIMEOUT = 900  # seconds; a peer that takes longer is reported as such
# Every tool, Nemoscope included, is timed again while it has run fewer than REPEATS times and for less than
# REPEAT_BUDGET seconds in all; its fastest run counts (and the least CPU time of its runs), so that a run slowed
# by something else on the machine does not decide a ratio.
REPEATS = 3
REPEAT_BUDGET = 10.0


def make_data(observation, n, p, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X /= np.sqrt(p)
    w = rng.standard_normal(p)
    w[rng.random(p) < 0.5] = 0.0  # half the inputs carry nothing (a job for the Lasso)
    eta = X @ w + 0.3
    if observation == "Poisson":
        y = rng.poisson(np.exp(eta)).astype(np.float64)
    else:
        y = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(np.float64)
    return X, y


def nemos_objective(observation, regularizer, strength, X, y, w, b):
    eta = X @ w + b
    if observation == "Poisson":
        loss = np.mean(np.exp(eta) - y * eta)
    else:
        loss = np.mean(np.logaddexp(0.0, eta) - y * eta)
    if regularizer == "Ridge":
        return loss + 0.5 * strength * np.dot(w, w)
    return loss + strength * np.abs(w).sum()


def run_sklearn(observation, solver, strength, X, y):
    from sklearn.linear_model import LogisticRegression, PoissonRegressor
    n = X.shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if observation == "Poisson":
            model = PoissonRegressor(alpha=strength, solver=solver, tol=1e-12, max_iter=100000)
        else:
            model = LogisticRegression(C=1.0 / (n * strength), solver=solver, tol=1e-12, max_iter=100000)
        start, cpu = time.perf_counter(), time.process_time()
        model.fit(X, y)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return seconds, cpu, np.ravel(model.coef_), float(np.ravel(model.intercept_)[0])


def run_statsmodels(strength, X, y):
    import statsmodels.api as sm
    p = X.shape[1]
    exog = np.column_stack([np.ones(X.shape[0]), X])
    alpha = np.r_[0.0, np.full(p, strength)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start, cpu = time.perf_counter(), time.process_time()
        result = sm.GLM(y, exog, family=sm.families.Poisson()).fit_regularized(
            method="elastic_net", alpha=alpha, L1_wt=1.0, cnvrg_tol=1e-12, maxiter=1000)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    params = np.asarray(result.params)
    return seconds, cpu, params[1:], float(params[0])


def _child(queue, function, args):
    try:
        queue.put(function(*args))
    except Exception as error:  # reported, not raised: one failing peer must not stop the table
        queue.put(error)


def with_timeout(function, *args):
    """Runs function(*args) in a forked child so that a peer slower than PEER_TIMEOUT can be stopped."""
    queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=_child, args=(queue, function, args))
    child.start()
    child.join(PEER_TIMEOUT)
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    result = queue.get() if not queue.empty() else RuntimeError("peer process ended without a result")
    if isinstance(result, Exception):
        raise result
    return result


def fastest_of(run_once, seconds_of, cpu_of):
    """Runs run_once as REPEATS and REPEAT_BUDGET allow; returns its fastest outcome and the least CPU time, or
    None as soon as a run gives None (stopped)."""
    outcomes = []
    while len(outcomes) < REPEATS and sum(seconds_of(outcome) for outcome in outcomes) < REPEAT_BUDGET:
        outcome = run_once()
        if outcome is None:
            return None
        outcomes.append(outcome)
    return min(outcomes, key=seconds_of), min(cpu_of(outcome) for outcome in outcomes)


def run_driver(driver, folder, observation, regularizer, strength, solver):
    link = "exp" if observation == "Poisson" else "logistic"
    command = [driver, os.path.join(folder, "X.npy"), os.path.join(folder, "y.npy"), observation, link,
               regularizer, repr(strength), solver]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 5):
        raise RuntimeError(f"fit_bench failed: {done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--driver", required=True, help="path of the built fit_bench executable")
    parser.add_argument("--sizes", choices=["small", "medium", "all"], default="all",
                        help="small: n = 1e5 only; medium: also n = 1e6 with p = 50; all: the full grid")
    parser.add_argument("--rows", default="", help="comma-separated row filter, e.g. 'Poisson Ridge'")
    args = parser.parse_args()

    sizes = [(100_000, 50), (100_000, 500)]
    if args.sizes in ("medium", "all"):
        sizes.append((1_000_000, 50))
    if args.sizes == "all":
        sizes.append((1_000_000, 500))
    rows = [("Poisson", "Ridge", 1e-3), ("Bernoulli", "Ridge", 1e-3), ("Poisson", "Lasso", 1e-3)]
    wanted = [item.strip() for item in args.rows.split(",") if item.strip()]

    print(f"{'row':34} {'tool':26} {'seconds':>9} {'cpu s':>8} {'objective':>18} {'rel. gap':>9} {'coef diff':>9} "
          f"{'ratio':>6} {'cpu ratio':>9}")
    summary = []
    for observation, regularizer, strength in rows:
        for n, p in sizes:
            label = f"{observation} {regularizer} n={n:.0e} p={p}"
            if wanted and not any(item in label for item in wanted):
                continue
            with tempfile.TemporaryDirectory(prefix="nemoscope-fit-bench-") as folder:
                X, y = make_data(observation, n, p, seed=n + p)
                np.save(os.path.join(folder, "X.npy"), X)
                np.save(os.path.join(folder, "y.npy"), y)
                # Written back to disk before any tool is timed, so that no timing shares the cores with it.
                os.sync()

                ours, ours_cpu = fastest_of(
                    lambda: run_driver(args.driver, folder, observation, regularizer, strength, "Newton"),
                    lambda outcome: outcome["seconds"], lambda outcome: outcome["cpu_seconds"])
                ours = dict(ours, cpu_seconds=ours_cpu)
                best = ours["objective"]
                print(f"{label:34} {'nemoscope Newton':26} {ours['seconds']:9.3f} {ours['cpu_seconds']:8.3f} "
                      f"{best:18.12f} {'':>9} {'':>9} {'':>6} {'':>9}  [{ours['status']}, {ours['iterations']} it]",
                      flush=True)
                ours_params = np.r_[np.asarray(ours["coef"], dtype=float), ours.get("intercept", np.nan)]

                peers = []
                if regularizer == "Ridge":
                    for solver in ("lbfgs", "newton-cholesky"):
                        peers.append((f"sklearn {solver}", run_sklearn, (observation, solver, strength, X, y)))
                else:
                    peers.append(("statsmodels elastic_net", run_statsmodels, (strength, X, y)))

                fastest = None
                for name, function, peer_args in peers:
                    try:
                        timed = fastest_of(lambda: with_timeout(function, *peer_args),
                                           lambda outcome: outcome[0], lambda outcome: outcome[1])
                        outcome = None if timed is None else (timed[0][0], timed[1], *timed[0][2:])
                    except Exception as error:
                        print(f"{label:34} {name:26} failed: {error}", flush=True)
                        continue
                    if outcome is None:
                        print(f"{label:34} {name:26} {'>' + str(PEER_TIMEOUT):>9}  (stopped)", flush=True)
                        fastest = min(fastest or (float("inf"), 0), (float(PEER_TIMEOUT), float("nan")))
                        continue
                    seconds, cpu, w, b = outcome
                    value = nemos_objective(observation, regularizer, strength, X, y, w, b)
                    gap = (value - best) / abs(best)
                    # the largest difference of any coefficient or the intercept from Nemoscope's
                    coef_diff = float(np.max(np.abs(np.r_[np.ravel(w), b] - ours_params)))
                    ratio = seconds / ours["seconds"]
                    cpu_ratio = cpu / max(ours["cpu_seconds"], 1e-9)
                    note = "" if gap <= 1e-8 else "  (short of the optimum)"
                    print(f"{label:34} {name:26} {seconds:9.3f} {cpu:8.3f} {value:18.12f} {gap:9.1e} {coef_diff:9.1e} "
                          f"{ratio:6.1f} {cpu_ratio:9.1f}{note}", flush=True)
                    fastest = min(fastest or (float("inf"), 0), (seconds, cpu))
                if fastest is not None:
                    summary.append((label, fastest[0] / ours["seconds"], fastest[1] / max(ours["cpu_seconds"], 1e-9)))
                del X, y

    print("\nSpeed-up of Nemoscope over the fastest peer (wall: peer seconds / Nemoscope seconds; cpu: the same")
    print("with CPU time of all threads, which is steadier when other work shares the cores):")
    for label, ratio, cpu_ratio in summary:
        print(f"  {label:34} wall {ratio:6.1f}x   cpu {cpu_ratio:6.1f}x")
    return 0


if __name__ == "__main__":
    multiprocessing.set_start_method("fork")
    sys.exit(main())
