"""What the demo tenants look like: models with real relative prices, features, users, workers.

Prices are list prices in USD per million tokens (input, output); a cost record's cents are
tokens x price / 10,000, kept to micro-cents.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

#: model -> (USD per 1M input tokens, USD per 1M output tokens)
MODEL_PRICES: dict[str, tuple[Decimal, Decimal]] = {
    "gpt-4o": (Decimal("2.50"), Decimal("10.00")),
    "gpt-4o-mini": (Decimal("0.15"), Decimal("0.60")),
    "claude-sonnet-4": (Decimal("3.00"), Decimal("15.00")),
    "claude-3-5-haiku": (Decimal("0.80"), Decimal("4.00")),
}

#: Relative traffic per weekday (Monday first): people work less at the weekend.
WEEKDAY_FACTOR = (1.0, 1.05, 1.0, 0.98, 0.92, 0.55, 0.45)

MICRO = Decimal("0.000001")


def call_cost_cents(model: str, input_tokens: int, output_tokens: int) -> Decimal:
    """Exact cents of one call at list prices (micro-cent precision)."""
    price_in, price_out = MODEL_PRICES[model]
    cents = (input_tokens * price_in + output_tokens * price_out) / Decimal(10_000)
    return cents.quantize(MICRO)


@dataclass(frozen=True)
class Feature:
    tag: str
    display_name: str
    model: str
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class User:
    user_id: str
    #: feature tag -> calls on an ordinary weekday
    calls: dict[str, int]


@dataclass(frozen=True)
class Worker:
    worker_id: str
    runs_per_day: int
    cost_cents: Decimal
    tokens: int
    #: run index modulo ``fail_every`` in ``fail_slots`` fails (deterministic failure rate)
    fail_every: int = 0
    fail_slots: tuple[int, ...] = ()
    #: daily growth of the run cost (0.08 = +8 % a day)
    cost_growth: float = 0.0


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    summary: str
    features: tuple[Feature, ...]
    users: tuple[User, ...]
    workers: tuple[Worker, ...]


ACME = Tenant(
    "acme", "retry loop (user alice), failing worker, daily feature budget overrun",
    features=(
        Feature("support.reply", "Support replies", "gpt-4o-mini", 2400, 350),
        Feature("code.review", "Code review", "claude-sonnet-4", 3800, 600),
        Feature("search.summarize", "Search summaries", "claude-3-5-haiku", 1800, 250),
    ),
    users=(
        User("alice", {"support.reply": 40, "search.summarize": 6}),
        User("bob", {"support.reply": 30, "code.review": 12}),
        User("carol", {"code.review": 18, "search.summarize": 20}),
        User("dave", {"support.reply": 25, "search.summarize": 15}),
        User("erin", {"code.review": 10, "support.reply": 20}),
    ),
    workers=(
        Worker("invoice-parser", 12, Decimal("4.2"), 9000, fail_every=9, fail_slots=(0, 3, 5, 7)),
        Worker("email-triage", 8, Decimal("1.1"), 2500, fail_every=50, fail_slots=(7,)),
    ),
)

GLOBEX = Tenant(
    "globex", "prompt growth (sustained drift), cost-trending worker, monthly budget overrun",
    features=(
        Feature("rag.answer", "RAG answers", "gpt-4o", 6000, 400),
        Feature("reports.generate", "Report generation", "gpt-4o", 5000, 900),
        Feature("chat.assist", "Chat assistant", "gpt-4o-mini", 3000, 500),
    ),
    users=(
        User("frank", {"rag.answer": 18, "chat.assist": 20}),
        User("grace", {"reports.generate": 8, "rag.answer": 12}),
        User("heidi", {"chat.assist": 30, "rag.answer": 10}),
        User("ivan", {"reports.generate": 6, "chat.assist": 15}),
    ),
    workers=(
        Worker("report-builder", 2, Decimal("8"), 15000, cost_growth=0.08),
        Worker("sync-crm", 6, Decimal("0.8"), 1500),
    ),
)

INITECH = Tenant(
    "initech", "quiet: steady usage, healthy workers, generous budget",
    features=(
        Feature("docs.qa", "Docs Q&A", "claude-3-5-haiku", 2200, 300),
        Feature("code.assist", "Code assistant", "gpt-4o-mini", 2600, 450),
    ),
    users=(
        User("judy", {"docs.qa": 25, "code.assist": 20}),
        User("mallory", {"code.assist": 30}),
        User("oscar", {"docs.qa": 20, "code.assist": 10}),
    ),
    workers=(
        Worker("nightly-etl", 1, Decimal("12"), 30000),
        Worker("doc-indexer", 6, Decimal("0.9"), 2000, fail_every=60, fail_slots=(11,)),
    ),
)

TENANTS = (ACME, GLOBEX, INITECH)
QUIET_TENANT = INITECH.tenant_id

#: The planted incidents.
RETRY_TENANT, RETRY_USER, RETRY_FEATURE = "acme", "alice", "support.reply"
DRIFT_TENANT = "globex"
FAILING_WORKER = ("acme", "invoice-parser")
TRENDING_WORKER = ("globex", "report-builder")
