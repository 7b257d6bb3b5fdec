"""Hook specifications: the plugin author's reference.

Every hook is a registration callback (as llm's ``register_models`` or tox's
``tox_register_tox_env``): implementations are synchronous, do no I/O, and call ``register``
once per engine they contribute. The engines do the work later, when a cycle runs, on data the
service fetched; see ``costsight.core.engines`` for the protocols and the contexts.

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
        trackers to save. A detector that wants a cause calls ``context.derive_cause(...)``.
    :return: nothing; results of implementations are ignored (not ``firstresult``).
    """


@hookspec
def costsight_register_predictors(register: Callable[[Predictor], None]) -> None:
    """Register predictors of worker behaviour (advisory, expiring predictions).

    :param register: call ``register(predictor)`` for each predictor. A predictor has a unique
        ``name``, an ``order`` (built-ins: 100 failure likelihood, 200 cost overrun) and
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

    Derivers from every plugin are tried together by ascending ``order`` (ties by ``name``);
    the FIRST one whose ``derive(evidence: CauseEvidence)`` returns a cause wins, and
    ``UNKNOWN`` is used when none does. Built-in orders: 100 RETRY_LOOP, 200 PROMPT_GROWTH,
    300 FEATURE_SURGE, 400 TRAFFIC_GROWTH; pick an order between them to take precedence over
    later built-ins, or above 400 to act only when no built-in cause applies.

    :param register: call ``register(deriver)`` for each deriver. ``name`` must be unique.
    :return: nothing; results of implementations are ignored (not ``firstresult``: ordering is
        explicit through ``order`` rather than plugin registration order).
    """
