"""Hook specifications: the plugin author's reference.

Every hook is a registration callback (as llm's ``register_models`` or tox's
``tox_register_tox_env``): implementations are synchronous, do no I/O, and call ``register``
once per engine they contribute. They are called ONCE per process, when the engines facade is
built, not once per cycle or tenant: register engines, do not compute anything per run there.
The engines do the work later, when a cycle runs, on data the service fetched; see
``costsight.core.engines`` for the protocols and the contexts.

A plugin cannot take the system down:

- a plugin whose import raises, that implements a hook not listed here, whose registration hook
  raises, or that registers something malformed (no ``name``, a ``name`` already taken by
  another engine of the same kind, no ``detect``/``predict``/``derive``/``forecast`` method, an
  ``order`` that is not an int) is skipped whole, reported once by name (``costsight plugins``
  lists it under ``errors``), and every other plugin loads;
- an engine that raises (or returns something invalid) while running for a tenant loses only
  its own findings of that run; the failure is reported on the cycle result's
  ``engine_errors`` as ``{engine, tenant_id, error}`` and the next engine and tenant run.

Which plugins load: ``COSTSIGHT_PLUGINS`` (an allow-list of built-in module names and
entry-point names) and ``COSTSIGHT_DISABLED_PLUGINS`` (a block-list, which wins).

A plugin is a module (or object) with ``@hookimpl`` functions named after these specs, either
listed in ``costsight.core.plugins.manager.DEFAULT_PLUGINS`` or installed through the ``costsight``
entry-point group::

    [project.entry-points.costsight]
    my_plugin = "my_package.costsight_plugin"
"""

from __future__ import annotations

from collections.abc import Callable

from costsight.core.engines.protocols import (
    AnomalyDetector,
    CauseDeriver,
    Forecaster,
    PatternDetector,
    Predictor,
)
from costsight.core.plugins.markers import hookspec


@hookspec
def costsight_register_anomaly_detectors(register: Callable[[AnomalyDetector], None]) -> None:
    """Register cost-anomaly detectors.

    :param register: call ``register(detector)`` for each detector. A detector has a unique
        ``name``, an ``order`` (built-ins: 100 absolute spike, 200 sustained drift, 300 budgets)
        and ``detect(context: AnomalyContext) -> AnomalyFindings``: anomalies to persist (the
        service dedupes them by tenant, type, entity and period) plus breach days and drift
        trackers to save. Every finding must be for ``context.tenant_id``. Leave
        ``derived_cause`` at ``UNKNOWN``: after every detector ran, the facade derives the
        cause of each ABSOLUTE_SPIKE and SUSTAINED_DRIFT anomaly still at ``UNKNOWN`` with the
        registered cause derivers (see ``costsight_register_cause_derivers``). A cause you set
        yourself is kept; it must be an uppercase name of at most 32 characters.
    :return: nothing; results of implementations are ignored (not ``firstresult``).
    """


@hookspec
def costsight_register_predictors(register: Callable[[Predictor], None]) -> None:
    """Register predictors of worker behaviour (advisory, expiring predictions).

    :param register: call ``register(predictor)`` for each predictor. A predictor has a unique
        ``name``, an ``order`` (built-ins: 100 failure likelihood, 200 cost overrun, 300 budget
        breach) and
        ``predict(context: PredictionContext) -> Sequence[NewPrediction]``. Predictions are
        stored deduplicated by (tenant, prediction_type, subject) while unexpired.
    :return: nothing; results of implementations are ignored (not ``firstresult``).
    """


@hookspec
def costsight_register_pattern_detectors(register: Callable[[PatternDetector], None]) -> None:
    """Register pattern detectors over worker runs (advisory feedback).

    :param register: call ``register(detector)`` for each detector. A detector has a unique
        ``name``, an ``order`` (built-ins: 100 failure signatures, 200 cost spikes) and
        ``detect(context: PatternContext) -> Sequence[NewPatternFeedback]``. Feedback is stored
        deduplicated by (tenant, pattern_type, signature) while open.
    :return: nothing; results of implementations are ignored (not ``firstresult``).
    """


@hookspec
def costsight_register_cause_derivers(register: Callable[[CauseDeriver], None]) -> None:
    """Register cause derivers, which name the likely cause of a spike or drift anomaly.

    Cause derivation is a post-pass the engines facade runs after every anomaly detector: for
    each ABSOLUTE_SPIKE or SUSTAINED_DRIFT anomaly whose ``derived_cause`` is still
    ``UNKNOWN``, it builds the anomaly entity's ``CauseEvidence`` (its usage today so far and
    yesterday, and today's per-feature spend of the tenant) and tries the derivers of every
    plugin together by ascending ``order`` (ties by ``name``). The FIRST one whose
    ``derive(evidence: CauseEvidence)`` returns a cause wins; ``UNKNOWN`` stays when none does.
    A cause is an uppercase name of at most 32 characters; return None when the deriver does
    not apply. A deriver that raises or returns anything else is skipped for that anomaly
    (the next one is tried) and reported once per tenant run in ``engine_errors``.
    Built-in orders: 100 RETRY_LOOP, 200 PROMPT_GROWTH, 300 FEATURE_SURGE,
    400 TRAFFIC_GROWTH; pick an order between them to take precedence over later built-ins,
    or above 400 to act only when no built-in cause applies.

    :param register: call ``register(deriver)`` for each deriver. ``name`` must be unique.
    :return: nothing; results of implementations are ignored (not ``firstresult``: ordering is
        explicit through ``order`` rather than plugin registration order).
    """


@hookspec
def costsight_register_forecasters(register: Callable[[Forecaster], None]) -> None:
    """Register forecasters of daily spend (tenant, feature, user and budgeted entities).

    :param register: call ``register(forecaster)`` for each forecaster. A forecaster has a
        unique ``name``, an ``order`` and ``forecast(series: ForecastInput) -> ForecastResult
        | None`` (see ``costsight.core.engines.forecasting``): point forecasts with 80% and
        95% intervals for ``series.horizon`` days, a ``method`` name shown with the forecast,
        and ``series.paths`` simulated paths when asked (budget projections use them). The
        forecast cycle tries forecasters by ascending ``order`` (ties by name) and the FIRST
        result wins; None passes the series on. One that raises or returns something invalid
        is skipped for that series and reported in ``engine_errors``. Built-in: 1000
        ``exponential_smoothing`` (never declines).
    :return: nothing; results of implementations are ignored (not ``firstresult``).
    """
