"""``costsight prices``: list and set price overrides, show the price a call would get.

Rates are cents per unit group of their kind (``input_mtok=250``: 250 cents, $2.50, per
million input tokens); tiered rates are set with ``model_price`` ingest lines.
"""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table

from costsight.cli.common import EXIT_OK, application, print_json, stdout_console
from costsight.core.domain.prices import ModelPrice, rates_as_cents, rates_from_cents
from costsight.core.errors import ValidationError
from costsight.core.pricing.calculate import APPLIED_KINDS
from costsight.core.services.prices import PriceService
from costsight.core.timeutil import parse_instant


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "prices", help="the price book: overrides of the genai-prices defaults",
        description="Prices turn token counts into cost for records written without "
                    "cost_cents. Defaults come from genai-prices; overrides (global or per "
                    "tenant, effective from an instant) win. Rates are cents per unit group "
                    "(input_mtok=250 is $2.50 per million input tokens).")
    sub = p.add_subparsers(dest="prices_command", required=True, metavar="ACTION")

    ls = sub.add_parser("list", help="stored overrides (global, and the tenant's)")
    ls.add_argument("--tenant", help="also the tenant's own overrides")
    ls.add_argument("--model", help="one model (its exact name)")
    _json(ls)
    ls.set_defaults(handler=run_list)

    st = sub.add_parser("set", help="store an override (same scope, model and date: replaced)")
    st.add_argument("--model", required=True)
    st.add_argument("--provider", help="only calls of this provider (default: any)")
    st.add_argument("--tenant", help="only this tenant (default: global)")
    st.add_argument("--effective-from", required=True, metavar="ISO",
                    help="instant from which the price applies, e.g. 2026-01-01T00:00:00Z")
    st.add_argument("--rate", action="append", required=True, metavar="KIND=CENTS",
                    help="repeatable: input_mtok=250, output_mtok=1000, cache_read_mtok=25 ...")
    _json(st)
    st.set_defaults(handler=run_set)

    sh = sub.add_parser("show", help="the price a call would be priced with, and where from")
    sh.add_argument("--tenant", required=True)
    sh.add_argument("--model", required=True)
    sh.add_argument("--provider")
    sh.add_argument("--at", metavar="ISO", help="the call's instant (default: now)")
    _json(sh)
    sh.set_defaults(handler=run_show)


def _json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")


def price_json(price: ModelPrice) -> dict[str, Any]:
    return {"id": price.id, "tenant_id": price.tenant_id, "provider": price.provider,
            "model": price.model, "effective_from": price.effective_from.isoformat(),
            "source": "genai-prices" if price.default else "override",
            "rates_cents": {k: v if isinstance(v, dict) else str(v)
                            for k, v in rates_as_cents(dict(price.rates)).items()}}


def _table(title: str, prices: list[ModelPrice]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("id", "scope", "provider", "model", "effective from", "rates (cents)"):
        table.add_column(column)
    for p in prices:
        rates = ", ".join(f"{k}={v}" for k, v in rates_as_cents(dict(p.rates)).items())
        table.add_row(p.id, p.tenant_id or "global", p.provider or "any", p.model,
                      p.effective_from.isoformat(), rates)
    return table


def _rates(pairs: list[str]) -> dict[str, Any]:
    raw: dict[str, str] = {}
    for pair in pairs:
        kind, sep, value = pair.partition("=")
        if not sep or not kind.strip() or not value.strip():
            raise ValidationError("--rate", f"got {pair!r}", allowed="KIND=CENTS, e.g. "
                                  "input_mtok=250")
        raw[kind.strip()] = value.strip()
    try:
        return dict(rates_from_cents(raw))
    except ValueError as exc:
        field, _, reason = str(exc).partition(": ")
        raise ValidationError(f"--rate {field.removeprefix('rates.')}", reason) from None


async def run_list(args: argparse.Namespace) -> int:
    async with application() as app:
        prices = await PriceService(app.storage).list_prices(args.tenant, args.model)
    if args.json:
        print_json({"prices": [price_json(p) for p in prices]})
    else:
        stdout_console().print(_table("Price overrides", prices))
    return EXIT_OK


async def run_set(args: argparse.Namespace) -> int:
    fields = {"model": args.model, "provider": args.provider, "tenant_id": args.tenant,
              "effective_from": parse_instant(args.effective_from, field="--effective-from"),
              "rates": _rates(args.rate)}
    async with application() as app:
        stored = await PriceService(app.storage).set_price(fields)
    if args.json:
        print_json({"price": price_json(stored)})
    else:
        stdout_console().print(f"stored price {stored.id} for {stored.model!r} "
                               f"({stored.tenant_id or 'global'}) from "
                               f"{stored.effective_from.isoformat()}")
    return EXIT_OK


async def run_show(args: argparse.Namespace) -> int:
    async with application() as app:
        at = parse_instant(args.at, field="--at") if args.at else app.clock.now()
        found = await PriceService(app.storage).effective(args.tenant, args.model,
                                                          args.provider, at)
    if args.json:
        print_json({"at": at.isoformat(), "price": None if found is None else price_json(found),
                    "applied_kinds": list(APPLIED_KINDS)})
        return EXIT_OK
    out = stdout_console()
    if found is None:
        out.print(f"no price for {args.model!r} at {at.isoformat()}: its calls are stored "
                  "unpriced (cost 0, cost_source unpriced); set one with `costsight prices set`")
        return EXIT_OK
    out.print(_table(f"Price of {args.model!r} for {args.tenant!r} at {at.isoformat()} "
                     f"({'genai-prices default' if found.default else 'override'})", [found]))
    ignored = sorted(set(found.rates) - set(APPLIED_KINDS))
    if ignored:
        out.print(f"not applied (records carry no count for them): {', '.join(ignored)}")
    return EXIT_OK
