#!/usr/bin/env python3
"""Turns Google Benchmark's JSON output for chronicle_benchmarks into one table.

Usage: report.py RESULTS.json

Columns: workload, chronicle, baseline, ratio (chronicle's cost / the baseline's: above 1 means chronicle
is slower), target (issue 6) and whether chronicle meets it. With --benchmark_repetitions the medians
are used. Standard library only.
"""
import json
import sys


def load(path):
    with open(path) as f:
        data = json.load(f)
    runs, medians = {}, {}
    for b in data.get("benchmarks", []):
        name = b.get("run_name", b["name"])
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[name] = b
        else:
            runs.setdefault(name, b)  # first repetition; replaced by the median when there is one
    runs.update(medians)
    return data.get("context", {}), runs


def find(runs, prefix):
    """The run whose name is `prefix` or starts with `prefix/` (Google Benchmark appends args and options)."""
    for name, b in runs.items():
        if name == prefix or name.startswith(prefix + "/"):
            return b
    return None


def counter(b, key):
    if b is None or b.get("error_occurred"):
        return None
    return b.get(key)


def rate(x):
    if x is None:
        return "-"
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= scale:
            return f"{x / scale:.2f} {unit}/s"
    return f"{x:.0f} /s"


def duration(seconds):
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def ratio(x):
    return "-" if x is None else f"{x:.2f}x"


def verdict(*conditions):
    if any(c is None for c in conditions):
        return "n/a"
    return "yes" if all(conditions) else "NO"


def error_of(*runs):
    for b in runs:
        if b is not None and b.get("error_occurred"):
            return b.get("error_message", "error")
    return None


def rows(runs):
    out = []

    # W1: commands per second at 10,000 orders.
    c, b = find(runs, "W1_commands/chronicle"), find(runs, "W1_commands/baseline")
    cr, br = counter(c, "commands_per_second"), counter(b, "commands_per_second")
    r = br / cr if cr and br else None
    out.append(("W1 commands, 10k orders x 3", rate(cr), rate(br), ratio(r), ">= 1M/s, <= 2x",
                verdict(cr and cr >= 1e6, r and r <= 2.0), error_of(c, b)))

    # W2: time per load of a 10,000-event stream, without and with snapshots.
    for workload, label, absolute in (("W2_rehydrate", "W2 load 10k events", True),
                                      ("W2_rehydrate_snapshot", "W2 load 10k events, snapshots", False)):
        c, b = find(runs, workload + "/chronicle"), find(runs, workload + "/baseline")
        ct, bt = counter(c, "seconds_per_load"), counter(b, "seconds_per_load")
        r = ct / bt if ct and bt else None
        if absolute:
            out.append((label, duration(ct), duration(bt), ratio(r), "< 100 µs, <= 1.2x",
                        verdict(ct and ct < 100e-6, r and r <= 1.2), error_of(c, b)))
        else:
            out.append((label, duration(ct), duration(bt), ratio(r), "<= 1.2x", verdict(r and r <= 1.2),
                        error_of(c, b)))

    # W3: replay of 1,000,002 events into order_summary.
    c, b = find(runs, "W3_replay/chronicle"), find(runs, "W3_replay/baseline")
    cr, br = counter(c, "events_per_second"), counter(b, "events_per_second")
    r = br / cr if cr and br else None
    out.append(("W3 replay 1M events", rate(cr), rate(br), ratio(r), ">= 20M/s, <= 1.5x",
                verdict(cr and cr >= 20e6, r and r <= 1.5), error_of(c, b)))

    c, b = find(runs, "W3_scan/chronicle"), find(runs, "W3_scan/baseline")
    cr, br = counter(c, "events_per_second"), counter(b, "events_per_second")
    r = br / cr if cr and br else None
    out.append(("W3 scan 1M events (no read model)", rate(cr), rate(br), ratio(r), "(diagnostic)", "", error_of(c, b)))

    # W4: exactly one winner per round, no version twice.
    c, b = find(runs, "W4_one_winner/chronicle"), find(runs, "W4_one_winner/baseline")

    def w4(x):
        if x is None or x.get("error_occurred"):
            return "-", None
        rounds, one = x.get("rounds", 0), x.get("one_winner_rounds", 0)
        dup, missing = x.get("duplicate_versions", 0), x.get("missing_versions", 0)
        return f"{one:.0f}/{rounds:.0f} rounds, {dup:.0f} dup", rounds > 0 and one == rounds and dup == 0 and missing == 0

    (ct, cok), (bt, _) = w4(c), w4(b)
    out.append(("W4 one winner per round", ct, bt, "-", "1000/1000, 0 dup", verdict(cok), error_of(c, b)))

    # W5: appends to distinct streams, 1, 2, 4 and 8 threads; the figure is the 2/1 throughput ratio.
    c1, c2 = find(runs, "W5_distinct_streams/chronicle/threads:1"), find(runs, "W5_distinct_streams/chronicle/threads:2")
    b1, b2 = find(runs, "W5_distinct_streams/baseline/threads:1"), find(runs, "W5_distinct_streams/baseline/threads:2")
    c1r, c2r = counter(c1, "appends_per_second"), counter(c2, "appends_per_second")
    b1r, b2r = counter(b1, "appends_per_second"), counter(b2, "appends_per_second")
    out.append(("W5 appends, 1 thread", rate(c1r), rate(b1r), ratio(b1r / c1r if c1r and b1r else None), "", "",
                error_of(c1, b1)))
    out.append(("W5 appends, 2 threads", rate(c2r), rate(b2r), ratio(b2r / c2r if c2r and b2r else None), "", "",
                error_of(c2, b2)))
    cs = c2r / c1r if c1r and c2r else None
    bs = b2r / b1r if b1r and b2r else None
    out.append(("W5 scaling, 2 threads / 1", ratio(cs), ratio(bs), "-", "> 1.6x", verdict(cs and cs > 1.6), None))
    sep = counter(find(runs, "W5_distinct_streams/chronicle_separate_stores/threads:2"), "appends_per_second")
    out.append(("W5 ceiling: 2 threads, a store each / 1", ratio(sep / c1r if sep and c1r else None), "-", "-",
                "(nothing shared)", "", None))
    one = counter(find(runs, "W5_distinct_streams/chronicle_separate_stores_one_counter/threads:2"), "appends_per_second")
    out.append(("W5 floor: the same plus one shared counter / 1", ratio(one / c1r if one and c1r else None), "-", "-",
                "(global order's least)", "", None))
    # What 1.6x leaves for everything two threads share, per append, against what one shared line costs.
    h = counter(find(runs, "Host_cache_line_handoff"), "seconds_per_handoff")
    out.append(("W5 at 1.6x: time per append left to share", duration(0.25 / c1r if c1r else None), "-", "-",
                "(diagnostic)", "", None))
    out.append(("  host: one cache line handed to the other core", "-", duration(h), "-", "(diagnostic)", "", None))
    for n in (4, 8):  # more threads than the machine's two cores: reported, not targeted
        cn = counter(find(runs, f"W5_distinct_streams/chronicle/threads:{n}"), "appends_per_second")
        bn = counter(find(runs, f"W5_distinct_streams/baseline/threads:{n}"), "appends_per_second")
        out.append((f"W5 scaling, {n} threads / 1", ratio(cn / c1r if cn and c1r else None),
                    ratio(bn / b1r if bn and b1r else None), "-", "(two cores)", "", None))

    # W7: per-command time at 10k, 100k, 1M orders; the figure is the 1M / 10k ratio.
    per = {}
    for n in (10_000, 100_000, 1_000_000):
        c, b = find(runs, f"W7_scaling/chronicle/{n}"), find(runs, f"W7_scaling/baseline/{n}")
        ct, bt = counter(c, "seconds_per_command"), counter(b, "seconds_per_command")
        per[n] = (ct, bt)
        out.append((f"W7 per command, {n:,} orders", duration(ct), duration(bt),
                    ratio(ct / bt if ct and bt else None), "", "", error_of(c, b)))
    (c10, b10), (c1m, b1m) = per[10_000], per[1_000_000]
    cg = c1m / c10 if c10 and c1m else None
    bg = b1m / b10 if b10 and b1m else None
    out.append(("W7 growth, 1M / 10k orders", ratio(cg), ratio(bg), "-", "<= 1.3x", verdict(cg and cg <= 1.3), None))

    # W7_marginal (diagnostic): 10,000 new orders on a store already holding N orders.
    marginal = {}
    for n in (10_000, 1_000_000):
        c, b = find(runs, f"W7_marginal/chronicle/{n}"), find(runs, f"W7_marginal/baseline/{n}")
        ct, bt = counter(c, "seconds_per_command"), counter(b, "seconds_per_command")
        marginal[n] = (ct, bt)
        out.append((f"W7 marginal, store of {n:,} orders", duration(ct), duration(bt),
                    ratio(ct / bt if ct and bt else None), "(diagnostic)", "", error_of(c, b)))
    # Issue 5: the SQLite store against raw SQLite C API code.
    c, b = find(runs, "W1_sqlite/chronicle"), find(runs, "W1_sqlite/baseline")
    cr, br = counter(c, "commands_per_second"), counter(b, "commands_per_second")
    r = br / cr if cr and br else None
    out.append(("W1 on SQLite, 10k orders x 3, NORMAL", rate(cr), rate(br), ratio(r), ">= 50k/s, <= 1.3x",
                verdict(cr and cr >= 5e4, r and r <= 1.3), error_of(c, b)))
    f = find(runs, "W1_sqlite_commit_floor/baseline")
    fr = counter(f, "commands_per_second")
    out.append(("  its floor: bare commits, no reads", "-", rate(fr), "-", "(diagnostic)", "", error_of(f)))
    # Issue 13, requirement 2: one SQLite store shared by threads, group commit on and off.
    def shared(side, n):
        return counter(find(runs, f"W1_sqlite_shared_store/{side}/threads:{n}"), "commands_per_second")
    s1, s8, o8 = shared("chronicle", 1), shared("chronicle", 8), shared("chronicle_no_group_commit", 8)
    b1, b8 = shared("baseline", 1), shared("baseline", 8)
    s = s8 / s1 if s1 and s8 else None
    out.append(("W1 on one shared SQLite store, 8 threads / 1", ratio(s), ratio(b8 / b1 if b1 and b8 else None), "-",
                ">= 2.5x", verdict(s and s >= 2.5), None))
    out.append(("  8 threads, group commit on / off", ratio(s8 / o8 if s8 and o8 else None), "-", "-", "(diagnostic)",
                "", None))
    g = counter(find(runs, "W1_sqlite_shared_store/baseline_one_thread_in_groups/group:8"), "commands_per_second")
    out.append(("  ceiling: one thread, groups of 8 by hand / 1", "-", ratio(g / b1 if g and b1 else None), "-",
                "(diagnostic)", "", None))
    sc = counter(find(runs, "Host_system_call"), "seconds_per_call")
    out.append(("  host: one system call", "-", duration(sc), "-", "(diagnostic)", "", None))
    c, b = find(runs, "W2_sqlite/chronicle"), find(runs, "W2_sqlite/baseline")
    ct, bt = counter(c, "seconds_per_load"), counter(b, "seconds_per_load")
    r = ct / bt if ct and bt else None
    out.append(("W2 on SQLite, load 10k events", duration(ct), duration(bt), ratio(r), "< 5 ms, <= 1.3x",
                verdict(ct and ct < 5e-3, r and r <= 1.3), error_of(c, b)))

    # Issue 13, requirement 4: appending to a long stream against a new one (first over last tenth on
    # SQLite; the last tenth against new streams of the same table on PostgreSQL).
    c, b = find(runs, "SQLite_growing_stream/chronicle"), find(runs, "SQLite_growing_stream/baseline")
    cg, bg = counter(c, "first_over_last"), counter(b, "first_over_last")
    out.append(("SQLite growing stream, first / last tenth", ratio(cg), ratio(bg), "-", "<= 1.3x",
                verdict(cg and cg <= 1.3), error_of(c, b)))
    for setting in ("sync_on", "sync_off"):
        c = find(runs, f"PostgreSQL_growing_stream_{setting}/chronicle")
        cg = counter(c, "long_over_new")
        out.append((f"PostgreSQL growing stream ({setting}), long / new", ratio(cg), "-", "-", "<= 1.3x",
                    verdict(cg and cg <= 1.3), error_of(c)))
        # Requirement 6: more writers (reported; two cores carry clients, backends and the WAL writer).
        for n in (2, 4, 8):
            c = find(runs, f"W5_postgres_{setting}/chronicle/threads:{n}")
            b = find(runs, f"W5_postgres_{setting}/baseline/threads:{n}")
            out.append((f"W5 on PostgreSQL ({setting}), {n} writers / 1", ratio(counter(c, "scaling")),
                        ratio(counter(b, "scaling")), "-", "(reported)", "", error_of(c, b)))
    (c10, b10), (c1m, b1m) = marginal[10_000], marginal[1_000_000]
    out.append(("W7 marginal growth, 1M / 10k", ratio(c1m / c10 if c10 and c1m else None),
                ratio(b1m / b10 if b10 and b1m else None), "-", "(diagnostic)", "", None))
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    context, runs = load(sys.argv[1])
    table = [row for row in rows(runs) if row[1] != "-" or row[2] != "-" or row[6]]
    header = ("workload", "chronicle", "baseline", "ratio", "target", "met")
    body = [row[:6] for row in table]
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(6)]

    def line(cells):
        return "| " + " | ".join(str(x).ljust(w) for x, w in zip(cells, widths)) + " |"

    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in table:
        print(line(row[:6]))
    errors = [(row[0], row[6]) for row in table if row[6]]
    for workload, message in errors:
        print(f"error in {workload}: {message}")
    load_avg = context.get("load_avg")
    if load_avg:
        print(f"\nload average when the run began: {', '.join(f'{x:.2f}' for x in load_avg)}"
              f" on {context.get('num_cpus', '?')} CPUs ({context.get('date', '')})")
        if load_avg[0] > 0.5:
            print("warning: the machine was busy; timings (above all W5) may be off")


if __name__ == "__main__":
    main()
