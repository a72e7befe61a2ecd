#!/usr/bin/env python3
"""nft-canon.py: `nft -j list ...` output (stdin) in a form tests compare.

  nft-canon.py          one line per object of table inet outpost:
                          set NAME TYPE FLAGS elements=A,B
                          chain NAME TYPE HOOK PRIO POLICY
                          rule EXPR EXPR ...   (counter shows packets)
  nft-canon.py --strip  the whole JSON without handles and metainfo,
                        keys sorted, sets in name order (the kernel lists
                        them in creation order, which an in-place change
                        does not keep): equal text means equal rulesets.

Exit 1 when stdin is not nft JSON.
"""
import json
import sys


def left(l):
    if "meta" in l:
        return "meta." + l["meta"]["key"]
    if "payload" in l:
        p = l["payload"]
        if "field" in p:
            return "%s.%s" % (p.get("protocol", "th"), p["field"])
        return "payload@%s+%s/%s" % (p.get("base"), p.get("offset"), p.get("len"))
    return json.dumps(l, sort_keys=True)


def value(r):
    if isinstance(r, dict):
        if "range" in r:
            return "%s-%s" % tuple(value(x) for x in r["range"])
        if "prefix" in r:
            return "%s/%s" % (r["prefix"]["addr"], r["prefix"]["len"])
        if "set" in r:
            return "{" + ",".join(value(x) for x in r["set"]) + "}"
        return json.dumps(r, sort_keys=True)
    if isinstance(r, list):
        return ",".join(value(x) for x in r)
    return str(r)


def expr(e):
    if "match" in e:
        m = e["match"]
        return "%s%s%s" % (left(m["left"]), m["op"], value(m["right"]))
    if "counter" in e:
        return "counter=%s" % e["counter"].get("packets", 0)
    if "mangle" in e:
        return "%s:=%s" % (left(e["mangle"]["key"]), value(e["mangle"]["value"]))
    if len(e) == 1:
        k = next(iter(e))
        return k if e[k] is None else "%s:%s" % (k, json.dumps(e[k], sort_keys=True))
    return json.dumps(e, sort_keys=True)


def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k != "handle"}
    if isinstance(o, list):
        return [strip(x) for x in o if not (isinstance(x, dict) and "metainfo" in x)]
    return o


def main():
    try:
        doc = json.load(sys.stdin)["nftables"]
    except (ValueError, KeyError, TypeError):
        return 1
    if sys.argv[1:] == ["--strip"]:
        doc = strip(doc)
        sets = sorted((o for o in doc if "set" in o),
                      key=lambda o: (o["set"].get("table", ""), o["set"]["name"]))
        rest = [o for o in doc if "set" not in o]
        # table objects first, then sets, then chains and rules in order
        tables = [o for o in rest if "table" in o]
        others = [o for o in rest if "table" not in o]
        print(json.dumps(tables + sets + others, sort_keys=True))
        return 0
    for o in doc:
        if "set" in o:
            s = o["set"]
            print("set %s %s %s elements=%s" % (s["name"], s["type"], ",".join(s.get("flags", [])),
                                               value(s.get("elem", []))))
        elif "chain" in o:
            c = o["chain"]
            print("chain %s %s %s %s %s" % (c["name"], c.get("type"), c.get("hook"),
                                            c.get("prio"), c.get("policy")))
        elif "rule" in o:
            print("rule " + " ".join(expr(e) for e in o["rule"]["expr"]))
        elif "table" in o:
            print("table %s %s" % (o["table"]["family"], o["table"]["name"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
