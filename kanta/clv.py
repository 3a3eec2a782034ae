"""Customer lifetime value: the BG/NBD purchase model and the Gamma-Gamma spend model.

References (equation numbers below refer to these):

- [FHL05] Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "'Counting your customers' the
  easy way: an alternative to the Pareto/NBD model", Marketing Science 24(2), 275-284.
  Eq. (6): the likelihood of one customer's history (x, t_x, T); eq. (10): the expected number
  of purchases in (T, T + t] given that history.
- [FHL08] Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2008), "Computing P(alive) using the
  BG/NBD model", research note (brucehardie.com/notes/021): the probability that a customer with
  history (x, t_x, T) is still alive at T, which is the reciprocal of the denominator of eq. (10).
- [FH13] Fader, P. S. and Hardie, B. G. S. (2013), "The Gamma-Gamma model of monetary value",
  research note (brucehardie.com/notes/025): the density of a customer's mean spend z-bar over x
  transactions, and the conditional expectation p(gamma + x z-bar) / (p x + q - 1), a weighted
  mean of the population mean p gamma / (q - 1) and the customer's own z-bar.

Notation: x is the number of repeat purchases, t_x the time of the last one and T the length of
observation, all measured from the first purchase. Time is in whatever unit the caller uses
(kanta uses days); rates and scale parameters (alpha, and the BG/NBD log-likelihood) are per that
unit.

Both models are fitted by maximum likelihood with L-BFGS-B on the logarithms of the parameters,
with analytic gradients. Identical (x, t_x, T) histories are fitted once with a weight, and the
terms that depend on x alone (gamma and beta functions) are evaluated once per distinct x, so a
million buyers fit in about a second.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special
from threadpoolctl import threadpool_limits

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# Fit statuses, written to prediction_parameters.fit_status.
STATUS_OK = "ok"
STATUS_TOO_FEW_BUYERS = "too_few_buyers"
STATUS_TOO_FEW_REPEAT_BUYERS = "too_few_repeat_buyers"
STATUS_NOT_CONVERGED = "not_converged"
STATUS_DEGENERATE = "degenerate"

# Log-parameters are searched in [-LOG_BOUND, LOG_BOUND] (1e-9 .. 1e9): an estimate on that
# edge means the data do not identify the model (e.g. nobody ever comes back).
LOG_BOUND = 20.0
_EDGE = 1e-3

BGNBD_PARAMETERS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_PARAMETERS = ("p", "q", "gamma")


# --------------------------------------------------------------------------------------
# parameters and fits
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BgNbdParameters:
    """BG/NBD parameters [FHL05]: purchase rates lambda ~ gamma(shape r, rate alpha), dropout
    probabilities after each repeat purchase p ~ beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float

    def as_dict(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}


@dataclass(frozen=True)
class GammaGammaParameters:
    """Gamma-Gamma parameters [FH13]: spend per transaction ~ gamma(shape p, rate nu), with
    nu ~ gamma(shape q, rate gamma) across customers."""

    p: float
    q: float
    gamma: float

    def as_dict(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "gamma": self.gamma}


@dataclass(frozen=True)
class BgNbdFit:
    """Outcome of fit_bgnbd: parameters are None unless status is 'ok'."""

    parameters: BgNbdParameters | None
    log_likelihood: float | None
    buyers_fitted: int
    status: str
    message: str = ""
    estimate: BgNbdParameters | None = field(default=None, repr=False)


@dataclass(frozen=True)
class GammaGammaFit:
    """Outcome of fit_gamma_gamma: parameters are None unless status is 'ok'."""

    parameters: GammaGammaParameters | None
    log_likelihood: float | None
    buyers_fitted: int
    status: str
    message: str = ""
    estimate: GammaGammaParameters | None = field(default=None, repr=False)


# --------------------------------------------------------------------------------------
# BG/NBD likelihood, eq. (6) of [FHL05]
# --------------------------------------------------------------------------------------


def _as_float(values: ArrayLike) -> FloatArray:
    return np.ascontiguousarray(np.asarray(values, dtype=np.float64).ravel())


def _codes(values: FloatArray) -> tuple[FloatArray, IntArray]:
    """Distinct values and, for each input, the index of its value among them."""
    unique, inverse = np.unique(values, return_inverse=True)
    return unique, inverse.astype(np.int64).ravel()


@dataclass(frozen=True)
class _BgNbdData:
    """Customer histories compressed to distinct (x, t_x, T) triples with weights.

    Per-x terms are evaluated on `unique_x` (weighted by `x_weights`), per-T and per-t_x logs
    on `unique_T` / `unique_t_x`; only the last term of eq. (6) is evaluated per triple.
    """

    buyers: int
    unique_x: FloatArray
    x_weights: FloatArray
    unique_T: FloatArray
    unique_t_x: FloatArray
    # triples without repeat purchases (x = 0): only T matters
    zero_weight: FloatArray
    zero_T: IntArray
    # triples with repeat purchases
    rep_weight: FloatArray
    rep_x: FloatArray
    rep_T: IntArray
    rep_t_x: IntArray


def _compress_bgnbd(x: FloatArray, t_x: FloatArray, T: FloatArray) -> _BgNbdData:
    unique_x, x_code = _codes(x)
    unique_t_x, t_x_code = _codes(t_x)
    unique_T, T_code = _codes(T)
    key = (x_code * len(unique_t_x) + t_x_code) * len(unique_T) + T_code
    keys, first, counts = np.unique(key, return_index=True, return_counts=True)
    del keys
    weight = counts.astype(np.float64)
    triple_x = x[first]
    triple_T = T_code[first]
    triple_t_x = t_x_code[first]
    x_weights = np.bincount(x_code, minlength=len(unique_x)).astype(np.float64)
    repeat = triple_x > 0
    return _BgNbdData(
        buyers=len(x),
        unique_x=unique_x,
        x_weights=x_weights,
        unique_T=unique_T,
        unique_t_x=unique_t_x,
        zero_weight=weight[~repeat],
        zero_T=triple_T[~repeat],
        rep_weight=weight[repeat],
        rep_x=triple_x[repeat],
        rep_T=triple_T[repeat],
        rep_t_x=triple_t_x[repeat],
    )


def _bgnbd_log_likelihood_and_gradient(
    log_params: FloatArray, data: _BgNbdData
) -> tuple[float, FloatArray]:
    """Sample log-likelihood, the sum over customers of the log of eq. (6) of [FHL05], and its
    gradient with respect to (ln r, ln alpha, ln a, ln b).

    For one customer, eq. (6) reads

        L = B(a, b+x)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
            * [1 + delta(x>0) * a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x)]

    using B(a+1, b+x-1) = B(a, b+x) * a/(b+x-1). The bracket is evaluated as
    softplus(z) = ln(1 + e^z), z = ln(a/(b+x-1)) + (r+x) ln((alpha+T)/(alpha+t_x)), which never
    overflows (the "#NUM!" problem of the spreadsheet implementation).
    """
    r, alpha, a, b = np.exp(log_params)
    ux, wx = data.unique_x, data.x_weights
    n = float(data.buyers)

    # Terms of x alone, once per distinct x.
    ll = float(
        wx @ (special.gammaln(r + ux) + special.betaln(a, b + ux))
        + n * (r * math.log(alpha) - special.gammaln(r) - special.betaln(a, b))
    )
    psi_abx = special.digamma(a + b + ux)
    d_r = float(wx @ special.digamma(r + ux)) + n * (math.log(alpha) - special.digamma(r))
    d_alpha = n * r / alpha
    d_a = float(wx @ (special.digamma(a + b) - psi_abx))
    d_b = float(wx @ (special.digamma(b + ux) - psi_abx + special.digamma(a + b) - special.digamma(b)))

    log_alpha_T = np.log(alpha + data.unique_T)
    inv_alpha_T = 1.0 / (alpha + data.unique_T)

    # x = 0: L = B(a, b)/B(a, b) * (alpha/(alpha+T))^r -> only -r ln(alpha+T) is left here.
    if data.zero_weight.size:
        w0 = data.zero_weight
        ll -= r * float(w0 @ log_alpha_T[data.zero_T])
        d_r -= float(w0 @ log_alpha_T[data.zero_T])
        d_alpha -= r * float(w0 @ inv_alpha_T[data.zero_T])

    # x > 0: -(r+x) ln(alpha+T) + softplus(z).
    if data.rep_weight.size:
        w1 = data.rep_weight
        rx = r + data.rep_x
        lat = log_alpha_T[data.rep_T]
        iat = inv_alpha_T[data.rep_T]
        ltx = np.log(alpha + data.unique_t_x)[data.rep_t_x]
        itx = (1.0 / (alpha + data.unique_t_x))[data.rep_t_x]
        b_x1 = b + data.rep_x - 1.0
        z = math.log(a) - np.log(b_x1) + rx * (lat - ltx)
        s = special.expit(z)
        ll += float(w1 @ (np.logaddexp(0.0, z) - rx * lat))
        d_r += float(w1 @ (s * (lat - ltx) - lat))
        d_alpha += float(w1 @ (rx * (s * (iat - itx) - iat)))
        d_a += float(w1 @ s) / a
        d_b -= float(w1 @ (s / b_x1))

    gradient = np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return ll, gradient


def bgnbd_log_likelihood(
    parameters: BgNbdParameters, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> float:
    """Sample log-likelihood of BG/NBD parameters: the sum of ln L of eq. (6) of [FHL05]."""
    data = _compress_bgnbd(_as_float(x), _as_float(t_x), _as_float(T))
    log_params = np.log([parameters.r, parameters.alpha, parameters.a, parameters.b])
    return _bgnbd_log_likelihood_and_gradient(log_params, data)[0]


# --------------------------------------------------------------------------------------
# Gamma-Gamma likelihood [FH13]
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _GammaGammaData:
    buyers: int
    unique_x: FloatArray
    x_weights: FloatArray
    x: FloatArray
    x_zbar: FloatArray
    sum_log_zbar: float
    sum_x_log_zbar: float


def _compress_gamma_gamma(x: FloatArray, zbar: FloatArray) -> _GammaGammaData:
    # Sorted, so that sums (and the fit) do not depend on the order the rows came in.
    order = np.lexsort((zbar, x))
    x, zbar = x[order], zbar[order]
    unique_x, x_code = _codes(x)
    log_zbar = np.log(zbar)
    return _GammaGammaData(
        buyers=len(x),
        unique_x=unique_x,
        x_weights=np.bincount(x_code, minlength=len(unique_x)).astype(np.float64),
        x=x,
        x_zbar=x * zbar,
        sum_log_zbar=float(log_zbar.sum()),
        sum_x_log_zbar=float(x @ log_zbar),
    )


def _gamma_gamma_log_likelihood_and_gradient(
    log_params: FloatArray, data: _GammaGammaData
) -> tuple[float, FloatArray]:
    """Sample log-likelihood of the Gamma-Gamma model and its gradient in (ln p, ln q, ln gamma).

    Given nu, the mean z-bar of x spends is gamma(p x, nu x); mixing over nu ~ gamma(q, gamma)
    gives the density of [FH13]

        f(z-bar | p, q, gamma; x) = Gamma(p x + q) / (Gamma(p x) Gamma(q))
                                    * gamma^q x^(p x) z-bar^(p x - 1) / (gamma + x z-bar)^(p x + q)

    whose log is summed over the customers with x > 0.
    """
    p, q, gamma = np.exp(log_params)
    ux, wx = data.unique_x, data.x_weights
    pux = p * ux
    log_gamma = math.log(gamma)

    # Terms of x alone, once per distinct x.
    ll = float(wx @ (-special.betaln(pux, q) + q * log_gamma + pux * np.log(ux)))
    ll += p * data.sum_x_log_zbar - data.sum_log_zbar
    psi_pxq = special.digamma(pux + q)
    d_p = float(wx @ (ux * (psi_pxq - special.digamma(pux) + np.log(ux)))) + data.sum_x_log_zbar
    d_q = float(wx @ (psi_pxq - special.digamma(q) + log_gamma))
    d_gamma = float(wx.sum()) * q / gamma

    # Per customer: -(p x + q) ln(gamma + x z-bar).
    log_g_xz = np.log(gamma + data.x_zbar)
    pxq = p * data.x + q
    ll -= float(pxq @ log_g_xz)
    d_p -= float(data.x @ log_g_xz)
    d_q -= float(log_g_xz.sum())
    d_gamma -= float((pxq / (gamma + data.x_zbar)).sum())

    return ll, np.array([d_p * p, d_q * q, d_gamma * gamma])


def gamma_gamma_log_likelihood(
    parameters: GammaGammaParameters, x: ArrayLike, zbar: ArrayLike
) -> float:
    """Sample log-likelihood of Gamma-Gamma parameters over customers with x > 0 [FH13]."""
    data = _compress_gamma_gamma(_as_float(x), _as_float(zbar))
    log_params = np.log([parameters.p, parameters.q, parameters.gamma])
    return _gamma_gamma_log_likelihood_and_gradient(log_params, data)[0]


# --------------------------------------------------------------------------------------
# maximum likelihood
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Optimum:
    log_params: FloatArray
    log_likelihood: float
    converged: bool
    at_bound: bool
    message: str


LogLikelihood = Callable[[FloatArray, Any], tuple[float, FloatArray]]


def _maximise(
    log_likelihood_and_gradient: LogLikelihood, start: FloatArray, data: Any, buyers: int
) -> _Optimum:
    """Maximise a log-likelihood over log-parameters with L-BFGS-B (mean per buyer, so the
    tolerances do not depend on the number of buyers)."""

    def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
        ll, gradient = log_likelihood_and_gradient(log_params, data)
        if not np.isfinite(ll) or not np.all(np.isfinite(gradient)):
            return math.inf, np.zeros_like(log_params)
        return -ll / buyers, -gradient / buyers

    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    options = {"maxiter": 2000, "maxfun": 4000, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 20}
    result = optimize.minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds,
                               options=options)
    log_params = np.asarray(result.x, dtype=np.float64)
    ll = -float(result.fun) * buyers
    gradient_norm = float(np.max(np.abs(result.jac))) if result.jac is not None else math.inf
    # L-BFGS-B stops on ftol ("REL_REDUCTION_OF_F") well before the gradient vanishes; accept
    # the optimum when the gradient per buyer is small.
    converged = bool(np.isfinite(ll)) and (result.success or gradient_norm < 1e-5)
    at_bound = bool(np.any(np.abs(log_params) > LOG_BOUND - _EDGE))
    return _Optimum(log_params, ll, converged, at_bound, str(result.message))


def fit_bgnbd(
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    *,
    min_buyers: int = 1,
    min_repeat_buyers: int = 1,
) -> BgNbdFit:
    """Fit BG/NBD by maximum likelihood on histories (x, t_x, T) [FHL05, eq. (6)].

    Returns status 'too_few_buyers' / 'too_few_repeat_buyers' (nothing fitted) below the given
    minimums, 'not_converged' when the optimiser fails, 'degenerate' when an estimate runs to
    the edge of the search range (the data do not identify the model), else 'ok'.
    """
    xs, txs, Ts = _as_float(x), _as_float(t_x), _as_float(T)
    if not (len(xs) == len(txs) == len(Ts)):
        raise ValueError("x, t_x and T must have the same length")
    if np.any(xs < 0) or np.any(txs < 0) or np.any(txs > Ts) or np.any((xs == 0) & (txs != 0)):
        raise ValueError("histories must satisfy x >= 0, 0 <= t_x <= T and t_x = 0 when x = 0")
    buyers = len(xs)
    repeat_buyers = int(np.count_nonzero(xs > 0))
    if buyers < max(min_buyers, 1):
        return BgNbdFit(None, None, buyers, STATUS_TOO_FEW_BUYERS,
                        f"{buyers} buyers, fewer than the {min_buyers} needed to fit BG/NBD")
    if repeat_buyers < max(min_repeat_buyers, 1):
        return BgNbdFit(None, None, buyers, STATUS_TOO_FEW_REPEAT_BUYERS,
                        f"{repeat_buyers} repeat buyers, fewer than the {max(min_repeat_buyers, 1)} "
                        "needed to fit BG/NBD")
    data = _compress_bgnbd(xs, txs, Ts)
    # Start at r = a = b = 1 and alpha matching the observed purchase rate (r / alpha).
    alpha0 = max(float(Ts.sum()) / max(float(xs.sum()), 1.0), 1e-6)
    start = np.log([1.0, alpha0, 1.0, 1.0])
    optimum = _maximise(_bgnbd_log_likelihood_and_gradient, start, data, buyers)
    estimate = BgNbdParameters(*(float(v) for v in np.exp(optimum.log_params)))
    if not optimum.converged:
        return BgNbdFit(None, None, buyers, STATUS_NOT_CONVERGED,
                        f"BG/NBD fit did not converge: {optimum.message}", estimate)
    if optimum.at_bound:
        return BgNbdFit(None, optimum.log_likelihood, buyers, STATUS_DEGENERATE,
                        f"BG/NBD estimate at the edge of the search range: {estimate}", estimate)
    return BgNbdFit(estimate, optimum.log_likelihood, buyers, STATUS_OK, "", estimate)


def fit_gamma_gamma(
    x: ArrayLike,
    zbar: ArrayLike,
    *,
    min_buyers: int = 1,
) -> GammaGammaFit:
    """Fit the Gamma-Gamma model [FH13] on customers with x > 0 repeat purchases of mean value
    zbar > 0 (others are ignored). Statuses as in fit_bgnbd; 'degenerate' also when q <= 1 (the
    population mean p gamma / (q - 1) would not exist)."""
    xs, zs = _as_float(x), _as_float(zbar)
    if len(xs) != len(zs):
        raise ValueError("x and zbar must have the same length")
    usable = (xs > 0) & np.isfinite(zs) & (zs > 0)
    xs, zs = xs[usable], zs[usable]
    buyers = len(xs)
    if buyers < max(min_buyers, 1):
        return GammaGammaFit(None, None, buyers, STATUS_TOO_FEW_REPEAT_BUYERS,
                             f"{buyers} repeat buyers with spend, fewer than the "
                             f"{max(min_buyers, 1)} needed to fit Gamma-Gamma")
    data = _compress_gamma_gamma(xs, zs)
    # Start at p = 1, q = 2 and gamma matching the mean spend (p gamma / (q - 1)).
    start = np.log([1.0, 2.0, max(float(np.sort(zs).mean()), 1e-6)])
    optimum = _maximise(_gamma_gamma_log_likelihood_and_gradient, start, data, buyers)
    estimate = GammaGammaParameters(*(float(v) for v in np.exp(optimum.log_params)))
    if not optimum.converged:
        return GammaGammaFit(None, None, buyers, STATUS_NOT_CONVERGED,
                             f"Gamma-Gamma fit did not converge: {optimum.message}", estimate)
    if optimum.at_bound or estimate.q <= 1.0:
        return GammaGammaFit(None, optimum.log_likelihood, buyers, STATUS_DEGENERATE,
                             f"Gamma-Gamma estimate unusable (q must exceed 1): {estimate}",
                             estimate)
    return GammaGammaFit(estimate, optimum.log_likelihood, buyers, STATUS_OK, "", estimate)


# --------------------------------------------------------------------------------------
# scoring
# --------------------------------------------------------------------------------------


def _log_odds_dead(parameters: BgNbdParameters, x: FloatArray, t_x: FloatArray,
                   T: FloatArray) -> FloatArray:
    """z = ln[a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x)] for x > 0, -inf for x = 0: the term of
    eq. (6) and of the denominator of eq. (10) of [FHL05]."""
    r, alpha, a, b = parameters.r, parameters.alpha, parameters.a, parameters.b
    z = np.full(x.shape, -np.inf)
    repeat = x > 0
    xr = x[repeat]
    z[repeat] = (math.log(a) - np.log(b + xr - 1.0)
                 + (r + xr) * (np.log(alpha + T[repeat]) - np.log(alpha + t_x[repeat])))
    return z


def bgnbd_p_alive(parameters: BgNbdParameters, x: ArrayLike, t_x: ArrayLike,
                  T: ArrayLike) -> FloatArray:
    """P(alive at T | x, t_x, T) [FHL08]:

        1 / (1 + delta(x>0) * a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x))

    evaluated as expit(-z) (no overflow for large x). A customer without repeat purchases is
    alive with probability 1: under BG/NBD nobody drops out before a repeat purchase.
    """
    xs, txs, Ts = _as_float(x), _as_float(t_x), _as_float(T)
    return special.expit(-_log_odds_dead(parameters, xs, txs, Ts))


def bgnbd_conditional_expected_purchases(parameters: BgNbdParameters, t: float, x: ArrayLike,
                                         t_x: ArrayLike, T: ArrayLike) -> FloatArray:
    """E[Y(t) | x, t_x, T]: expected purchases in (T, T + t], eq. (10) of [FHL05]:

        (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
                               * 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]
        / (1 + delta(x>0) * a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x))

    For large x, 2F1(r+x, b+x; ...) overflows while the power underflows. With w = t/(alpha+T+t)
    and Euler's transformation 2F1(A, B; C; w) = (1-w)^(C-A-B) 2F1(C-A, C-B; C; w), the product
    becomes (1-w)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; w), whose parameters do not grow with x
    (scipy.special.hyp2f1), and the bracket is -expm1((a-1) ln(1-w) + ln 2F1), accurate also when
    it is small. The denominator is 1 / P(alive). The formula needs a != 1; a within 1e-9 of 1
    is moved to 1 +- 1e-9, where the expression is continuous.
    """
    r, alpha, b = parameters.r, parameters.alpha, parameters.b
    a = parameters.a
    if abs(a - 1.0) < 1e-9:
        a = 1.0 + math.copysign(1e-9, a - 1.0 if a != 1.0 else 1.0)
    xs, txs, Ts = _as_float(x), _as_float(t_x), _as_float(T)
    if t <= 0:
        return np.zeros(xs.shape)
    # The hypergeometric part depends on (x, T) only: evaluate it once per distinct pair.
    unique_x, x_code = _codes(xs)
    unique_T, T_code = _codes(Ts)
    pair = x_code * len(unique_T) + T_code
    pairs, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
    del pairs
    px = xs[first]
    pT = Ts[first]
    w = t / (alpha + pT + t)
    log_1mw = np.log(alpha + pT) - np.log(alpha + pT + t)
    hyp = special.hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + px - 1.0, w)
    bracket = -np.expm1((a - 1.0) * log_1mw + np.log(hyp))
    expected_if_alive = (a + b + px - 1.0) / (a - 1.0) * bracket
    return expected_if_alive[inverse.ravel()] * bgnbd_p_alive(parameters, xs, txs, Ts)


def gamma_gamma_expected_average_value(parameters: GammaGammaParameters, x: ArrayLike,
                                       zbar: ArrayLike) -> FloatArray:
    """E[M | x, z-bar] = p (gamma + x z-bar) / (p x + q - 1) [FH13]; for x = 0 (or a missing
    z-bar) the population mean p gamma / (q - 1)."""
    p, q, gamma = parameters.p, parameters.q, parameters.gamma
    xs, zs = _as_float(x), _as_float(zbar)
    known = (xs > 0) & np.isfinite(zs)
    xk = np.where(known, xs, 0.0)
    zk = np.where(known, zs, 0.0)
    return p * (gamma + xk * zk) / (p * xk + q - 1.0)


# --------------------------------------------------------------------------------------
# the whole step: fit, score, parameter rows
# --------------------------------------------------------------------------------------

# Horizons of customer_predictions, in days (the column names carry them).
HORIZON_DAYS = (90, 365)


@dataclass(frozen=True)
class Predictions:
    """Per-customer predictions, aligned with the inputs; NaN where a model could not be fitted."""

    p_alive: FloatArray
    expected_orders: dict[int, FloatArray]
    expected_avg_order_value: FloatArray
    predicted_clv: FloatArray


def predict(bgnbd: BgNbdParameters | None, gamma_gamma: GammaGammaParameters | None,
            x: ArrayLike, t_x: ArrayLike, T: ArrayLike, zbar: ArrayLike,
            horizons: tuple[int, ...] = HORIZON_DAYS) -> Predictions:
    """Score customers: P(alive), expected purchases over each horizon (eq. (10)), expected
    average order value (Gamma-Gamma) and predicted value over the longest horizon (expected
    purchases x expected average order value, undiscounted)."""
    xs, txs, Ts = _as_float(x), _as_float(t_x), _as_float(T)
    n = len(xs)
    nan = np.full(n, np.nan)
    if bgnbd is None:
        p_alive = nan
        expected = {h: nan for h in horizons}
    else:
        p_alive = bgnbd_p_alive(bgnbd, xs, txs, Ts)
        expected = {h: bgnbd_conditional_expected_purchases(bgnbd, float(h), xs, txs, Ts)
                    for h in horizons}
    if gamma_gamma is None:
        value = nan
    else:
        value = gamma_gamma_expected_average_value(gamma_gamma, xs, _as_float(zbar))
    clv = expected[max(horizons)] * value if horizons else nan
    return Predictions(p_alive, expected, value, clv)


def fit_models(x: ArrayLike, t_x: ArrayLike, T: ArrayLike, zbar: ArrayLike, *,
               min_buyers: int, min_repeat_buyers: int) -> tuple[BgNbdFit, GammaGammaFit]:
    """Fit both models on every buyer's history (int_customer_clv_inputs): BG/NBD on all buyers,
    Gamma-Gamma on the repeat buyers (x > 0) with a positive mean repeat spend."""
    # One BLAS thread: the optimiser's vectors hold four numbers, and OpenBLAS's helper threads
    # spin between its calls, taking the cores from the DuckDB queries dbt runs beside the fit
    # (on the 10M shop the fit took 1.0-1.1 s with one thread, 1.4-1.5 s with the default).
    with threadpool_limits(limits=1, user_api="blas"):
        bgnbd = fit_bgnbd(x, t_x, T, min_buyers=min_buyers, min_repeat_buyers=min_repeat_buyers)
        gamma_gamma = fit_gamma_gamma(x, zbar, min_buyers=min_repeat_buyers)
    return bgnbd, gamma_gamma


def fit_warnings(bgnbd: BgNbdFit, gamma_gamma: GammaGammaFit) -> list[str]:
    """One line per model that could not be fitted, for the build log."""
    lines = []
    for name, fit in (("BG/NBD", bgnbd), ("Gamma-Gamma", gamma_gamma)):
        if fit.status != STATUS_OK:
            lines.append(f"kanta: customer_predictions: {name} not fitted ({fit.status}): "
                         f"{fit.message}; its predictions are null (see prediction_parameters)")
    return lines


# Columns of int_customer_predictions_scored (and customer_predictions) besides customer_id.
SCORE_COLUMNS = ("p_alive", "expected_orders_90d", "expected_orders_365d",
                 "expected_avg_order_value", "predicted_clv_365d")


def score_columns(bgnbd: BgNbdParameters | None, gamma_gamma: GammaGammaParameters | None,
                  x: ArrayLike, t_x: ArrayLike, T: ArrayLike,
                  zbar: ArrayLike) -> dict[str, FloatArray]:
    """The SCORE_COLUMNS of customer_predictions for each buyer (NaN where not predicted)."""
    predictions = predict(bgnbd, gamma_gamma, x, t_x, T, zbar, horizons=(90, 365))
    return {
        "p_alive": predictions.p_alive,
        "expected_orders_90d": predictions.expected_orders[90],
        "expected_orders_365d": predictions.expected_orders[365],
        "expected_avg_order_value": predictions.expected_avg_order_value,
        "predicted_clv_365d": predictions.predicted_clv,
    }


def parameter_rows(bgnbd: BgNbdFit, gamma_gamma: GammaGammaFit) -> list[dict[str, object]]:
    """One row per parameter for prediction_parameters: model, parameter, value (None unless the
    fit is usable), log_likelihood, buyers_fitted, fit_status, fit_message."""
    rows: list[dict[str, object]] = []
    models: list[tuple[str, tuple[str, ...], BgNbdFit | GammaGammaFit]] = [
        ("bg_nbd", BGNBD_PARAMETERS, bgnbd),
        ("gamma_gamma", GAMMA_GAMMA_PARAMETERS, gamma_gamma),
    ]
    for model, names, fit in models:
        values = fit.parameters.as_dict() if fit.parameters is not None else {}
        for name in names:
            rows.append({
                "model": model,
                "parameter": name,
                "value": values.get(name),
                "log_likelihood": fit.log_likelihood if fit.parameters is not None else None,
                "buyers_fitted": fit.buyers_fitted,
                "fit_status": fit.status,
                "fit_message": fit.message,
            })
    return rows


def parameters_from_rows(rows: list[dict[str, object]]
                         ) -> tuple[BgNbdParameters | None, GammaGammaParameters | None]:
    """Inverse of parameter_rows: the usable parameters of each model, or None."""
    values: dict[str, dict[str, float]] = {"bg_nbd": {}, "gamma_gamma": {}}
    for row in rows:
        value = row.get("value")
        if row.get("fit_status") == STATUS_OK and value is not None:
            values.setdefault(str(row["model"]), {})[str(row["parameter"])] = float(value)  # type: ignore[arg-type]
    bg = values["bg_nbd"]
    gg = values["gamma_gamma"]
    bgnbd = BgNbdParameters(**bg) if set(bg) == set(BGNBD_PARAMETERS) else None
    gamma_gamma = GammaGammaParameters(**gg) if set(gg) == set(GAMMA_GAMMA_PARAMETERS) else None
    return bgnbd, gamma_gamma


# --------------------------------------------------------------------------------------
# simulation (tests and benchmarks)
# --------------------------------------------------------------------------------------


def simulate_bgnbd(parameters: BgNbdParameters, T: ArrayLike,
                   rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    """Draw histories (x, t_x) for customers observed for T after their first purchase, under
    the BG/NBD assumptions [FHL05, section 2]: Poisson purchases at rate lambda ~ gamma(r, alpha)
    while alive; after each repeat purchase, dropout with probability p ~ beta(a, b).

    A customer alive for K repeat purchases with N(T) ~ Poisson(lambda T) purchase opportunities
    in (0, T] makes x = min(K, N) purchases; given N = n, purchase times are uniform order
    statistics, so the x-th is T * beta(x, n - x + 1).
    """
    Ts = _as_float(T)
    n = len(Ts)
    lam = rng.gamma(parameters.r, 1.0 / parameters.alpha, n)
    p = rng.beta(parameters.a, parameters.b, n)
    opportunities = rng.poisson(lam * Ts)
    alive_for = rng.geometric(p)
    x = np.minimum(opportunities, alive_for)
    t_x = np.zeros(n)
    repeat = x > 0
    t_x[repeat] = Ts[repeat] * rng.beta(x[repeat], opportunities[repeat] - x[repeat] + 1)
    return x.astype(np.float64), t_x


def simulate_gamma_gamma(parameters: GammaGammaParameters, x: ArrayLike,
                         rng: np.random.Generator) -> FloatArray:
    """Draw each customer's mean spend over x transactions under the Gamma-Gamma model [FH13]:
    nu ~ gamma(q, gamma), and the mean of x spends ~ gamma(p x, nu x). NaN where x = 0."""
    xs = _as_float(x)
    nu = rng.gamma(parameters.q, 1.0 / parameters.gamma, len(xs))
    zbar = np.full(len(xs), np.nan)
    repeat = xs > 0
    zbar[repeat] = rng.gamma(parameters.p * xs[repeat], 1.0 / (nu[repeat] * xs[repeat]))
    return zbar
