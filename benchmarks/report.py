"""Readable renderings of a run: a Markdown summary (also pasted into BENCHMARKS.md) and the
EXPLAIN plans."""

from __future__ import annotations

from typing import Any


def _ok(section: dict[str, Any], key: str | None = None) -> str:
    """met / NOT met of the section (all its goals), or of one key's goal."""
    met = section["goals"][key]["met"] if key in section.get("goals", {}) else section.get("met")
    return "" if met is None else ("met" if met else "NOT met")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def _ingest(name: str, r: dict[str, Any], limit: str, ratio_key: str) -> list[str]:
    top = r.get("max_rows", r["rows"])
    up_to = f" (measured up to {top:,})" if top != r["rows"] else ""
    out = [f"### {name}: {r['rows']:,} rows{up_to}, batches of {r['batch_size']:,} "
           f"- {ratio_key} = **{r[ratio_key]}** (goal {r['goal']}, {_ok(r, ratio_key)})", ""]
    rows = [["costsight", r["costsight_s"], f"{r['costsight_rows_per_s']:,}"],
            [limit, r[f"{limit}_s"], f"{r[f'{limit}_rows_per_s']:,}"]]
    if "copy_bare_s" in r:
        rows.append(["copy_bare (no index)", r["copy_bare_s"], f"{r['copy_bare_rows_per_s']:,}"])
    out += _table(["writer", "seconds", "rows/s"], rows) + [""]
    if "segment_ratio" in r:
        g = r["goals"]
        out += [f"ratio_vs_copy_bare = **{r['ratio_vs_copy_bare']}** (goal "
                f"{g['ratio_vs_copy_bare']['goal']}, {_ok(r, 'ratio_vs_copy_bare')}); "
                f"segment_ratio (costsight's last segment / its first) = "
                f"**{r['segment_ratio']}** (goal {g['segment_ratio']['goal']}, "
                f"{_ok(r, 'segment_ratio')})", ""]
    growth = [[f"{g['rows_from']:,} -> {g['rows_to']:,}",
               f"{g['costsight_rows_per_s']:,}", f"{g[f'{limit}_rows_per_s']:,}", g["ratio"]]
              for g in r["growth"]]
    out += _table(["segment (rows already stored -> after)", "costsight rows/s",
                   f"{limit} rows/s", "ratio"], growth)
    return out + [""]


def _stats(r: dict[str, Any]) -> list[str]:
    out = [f"### stats_postgres: {r['rows']:,} rows (every checkpoint below) - ratio_vs_raw_sql = "
           f"**{r['ratio_vs_raw_sql']}** for the largest tenant (goal {r['goal']}, {_ok(r)})", ""]
    rows = []
    for point in r["growth"]:
        for label in ("largest_tenant", "smallest_tenant"):
            p = point[label]
            rows.append([f"{point['rows']:,}", label.replace("_", " "), f"{p['tenant_rows']:,}",
                         p["ours_ms"], p["raw_sql_ms"], p["ratio_vs_raw_sql"]])
    out += _table(["table rows", "tenant", "tenant rows", "costsight ms", "raw SQL ms", "ratio"],
                  rows)
    return out + [""]


def _workers(r: dict[str, Any]) -> list[str]:
    return [f"### worker_breakdown: 30-day spend by worker over {r['calls']:,} calls "
            f"({r['runs_recorded']:,} runs recorded, {r['workers']} workers) - "
            f"ratio_vs_raw_sql = **{r['ratio_vs_raw_sql']}** (report)", "",
            *_table(["costsight ms", "raw SQL ms"], [[r["ours_ms"], r["raw_sql_ms"]]]), ""]


def _density(r: dict[str, Any]) -> list[str]:
    out = [f"### stats_density: the same {r['window_days']}-day statistics at "
           f"{r['calls_before']:,} and {r['calls_after']:,} calls - ratio = **{r['ratio']}** "
           f"(goal {r['goal']}, {_ok(r)}); raw SQL's ratio {r['raw_sql_ratio']}", ""]
    rows = [[f"{p['calls']:,}", p["users"], p["models"], p["features"], p["ours_ms"],
             p["raw_sql_ms"], p["ratio_vs_raw_sql"]] for p in (r["before"], r["after"])]
    out += _table(["calls in the window", "users", "models", "features", "costsight ms",
                   "raw SQL ms", "ratio vs raw SQL"], rows)
    return out + [""]


def _parallel(r: dict[str, Any]) -> list[str]:
    return [f"### ingest_parallel: {r['tenants']} tenants x {r['rows_per_tenant']:,} rows, "
            f"batches of {r['batch_size']:,} - ratio = **{r['ratio']}** (concurrent / "
            f"sequential wall time; 1.0 serialised, 0.5 parallel)", "",
            f"sequential {r['sequential_s']} s ({r['sequential_rows_per_s']:,} rows/s), "
            f"concurrent {r['concurrent_s']} s ({r['concurrent_rows_per_s']:,} rows/s); "
            f"median of {r['repeats']}", ""]


def _keys(results: dict[str, Any]) -> list[str]:
    keys = results.get("keys", {})
    if not keys:
        return []
    rows = [[f"`{k}`", g["value"], g["goal"],
             "-" if g["met"] is None else ("met" if g["met"] else "NOT met")]
            for k, g in keys.items()]
    return _table(["key", "value", "goal", "met"], rows) + [""]


def _detect(r: dict[str, Any]) -> list[str]:
    density = r.get("calls_per_entity_per_day")
    at = f" ({density} calls per entity per day over {r['history_days']} days)" if density else ""
    out = [f"### detect_scaling{at} - speedup at 1,000 entities = "
           f"**{r['speedup_vs_per_entity_at_1000']}**, round trips constant: "
           f"**{r['round_trips_constant']}** ({_ok(r)})", ""]
    rows = []
    for size in r["sizes"]:
        k = str(size)
        seeded = r.get("seeding", {}).get(k, {}).get("seconds", "-")
        rows.append([f"{size:,}", f"{r['cost_rows'][k]:,}", seeded, r["round_trips"][k],
                     r["ours_ms"][k], r["ours_preview_ms"][k],
                     r["per_entity_round_trips"].get(k, "-"), r["per_entity_ms"].get(k, "-"),
                     r["speedup_vs_per_entity"].get(k, "-"), r["anomalies_found"][k]])
    out += _table(["entities", "cost rows", "seed s (through the port)", "costsight statements",
                   "costsight ms",
                   "costsight preview ms (no writes)", "per-entity statements", "per-entity ms",
                   "speedup", "anomalies"], rows)
    return out + [""]


def _mcp(r: dict[str, Any]) -> list[str]:
    out = [f"### mcp_overhead: `{r['tool']}` over {r['rows']:,} rows, "
           f"{r['calls_per_path']} calls per path", ""]
    rows = [[name, r[name]["p50_ms"], r[name]["p95_ms"], r[name].get("overhead_p50_ms", "-")]
            for name in ("direct", "in_process", "streamable_http")]
    return out + _table(["path", "p50 ms", "p95 ms", "overhead p50 ms"], rows) + [""]


def _memory(r: dict[str, Any]) -> list[str]:
    return [f"### ingest_memory: `costsight ingest` of {r['lines']:,} lines "
            f"({r['file_mb']} MB) into {r['database']} - peak RSS **{r['peak_rss_mb']} MB** "
            f"(goal {r['goal']}, {_ok(r)}); {r['seconds']} s, {r['lines_per_s']:,} lines/s", ""]


def _otlp(r: dict[str, Any]) -> list[str]:
    return [f"### otlp_receiver: {r['spans']:,} GenAI spans in {r['requests']} OTLP/HTTP "
            f"requests of {r['batch']} ({r['database']}) - receiver {r['receiver_spans_per_s']:,} "
            f"spans/s, port {r['port_records_per_s']:,} records/s, ratio_vs_port "
            f"**{r['ratio_vs_port']}** (goal {r['goal']}, {_ok(r)})", ""]
def _cli_ingest(r: dict[str, Any]) -> list[str]:
    return [f"### cli_ingest_postgres: `costsight ingest` of {r['lines']:,} lines end to end "
            f"vs `psql \\copy` of the same rows as CSV - **{r['ratio_vs_psql_copy']}x** "
            f"(goal {r['goal']}, {_ok(r)})", "",
            f"costsight {r['cli_lines_per_s']:,} lines/s ({r['cli_seconds']} s); psql \\copy "
            f"into a table like cost_records (same indexes) {r['psql_copy_lines_per_s']:,} "
            f"lines/s; into an index-free heap {r['psql_copy_heap_lines_per_s']:,} lines/s "
            f"(ratio {r['ratio_vs_psql_copy_heap']}); best of {r['repeats']}", ""]


def render_summary(results: dict[str, Any]) -> str:
    m = results["machine"]
    out = [f"## Run: plan {results['plan']}, seed {results['seed']}, {m['date_utc']}", "",
           f"{m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; {m['os']}; Python "
           f"{m['python']}; PostgreSQL {m['postgresql']}; SQLite {m['sqlite']}; "
           + ", ".join(f"{k} {v}" for k, v in m["packages"].items())
           + f"; load average at start {m['load_average_at_start']}, "
           f"at end {m.get('load_average_at_end')}; total {results.get('total_seconds')} s", ""]
    out += _keys(results)
    if "ingest_postgres" in results:
        out += _ingest("ingest_postgres", results["ingest_postgres"], "copy", "ratio_vs_copy")
    if "ingest_postgres_ordered" in results:
        out += _ingest("ingest_postgres_ordered (the same rows in created_at order)",
                       results["ingest_postgres_ordered"], "copy", "ratio_vs_copy")
    if "stats_postgres" in results:
        out += _stats(results["stats_postgres"])
    if "stats_density" in results:
        out += _density(results["stats_density"])
    if "worker_breakdown" in results:
        out += _workers(results["worker_breakdown"])
    if "ingest_parallel" in results:
        out += _parallel(results["ingest_parallel"])
    if "ingest_sqlite" in results:
        out += _ingest("ingest_sqlite", results["ingest_sqlite"], "executemany",
                       "ratio_vs_executemany")
    if "detect_scaling" in results:
        out += _detect(results["detect_scaling"])
    if "mcp_overhead" in results:
        out += _mcp(results["mcp_overhead"])
    if "ingest_memory" in results:
        out += _memory(results["ingest_memory"])
    if "otlp_receiver" in results:
        out += _otlp(results["otlp_receiver"])
    if "cli_ingest_postgres" in results:
        out += _cli_ingest(results["cli_ingest_postgres"])
    return "\n".join(out)


def render_explain(explain: dict[str, Any]) -> str:
    if not explain:
        return ""
    out = ["EXPLAIN (ANALYZE, BUFFERS) of costsight's statements on cost_records:"]
    for s in explain["statements"]:
        out.append(f"-- {s['statement']}: {s['ms']} ms with indexes "
                   f"{s['indexes_used'] or '(none used)'}, {s['ms_without_indexes']} ms "
                   "with index scans disabled")
        out.append(f"   {s['sql']}")
        out += [f"   {line}" for line in s["plan"]]
    out.append(f"indexes of cost_records no statement above used: "
               f"{explain['unused_by_these_statements']}")
    return "\n".join(out)


def render_explain_markdown(explain: dict[str, Any], plans_for: tuple[str, ...] = ()) -> str:
    """A table of every explained statement, and the full plans of the ones named."""
    rows = [[s["statement"], ", ".join(s["indexes_used"]) or "(sequential scan)", s["ms"],
             s["ms_without_indexes"]] for s in explain["statements"]]
    out = _table(["statement", "index(es) the planner used", "ms", "ms with index scans off"],
                 rows)
    for s in explain["statements"]:
        if s["statement"] in plans_for:
            out += ["", f"`{s['statement']}`:", "", "```", s["sql"], *s["plan"], "```"]
    return "\n".join(out)
