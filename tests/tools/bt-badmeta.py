#!/usr/bin/env python3
"""bt-badmeta.py: writes malicious .torrent files for the refusal test.

  bt-badmeta.py OUTDIR [CANARY]

Writes OUTDIR/<case>.torrent for every case below and OUTDIR/index
(one "case<TAB>refuse|contain<TAB>what is wrong" a line: contain
means accepting is allowed if nothing is written outside the folder). Each file is a well-formed
torrent but for its one defect, so a refusal is for that defect. Names
that try to escape use CANARY (default "outpost-evil") as the last
component, so a test can look for it anywhere after the run.
OUTDIR/good.torrent is the control: the same making, no defect.
"""
import hashlib
import os
import sys


def benc(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(benc(x) for x in v) + b"e"
    if isinstance(v, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, x) for k, x in v.items())
        return b"d" + b"".join(benc(k) + benc(x) for k, x in items) + b"e"
    raise TypeError(type(v))


# Cases a client may accept (on Linux "\\" is a plain character; a BEP 47
# symlink may be written as a plain file), as long as nothing lands
# outside the target folder; every other case must be refused.
CONTAIN = set()

# Content the v1 cases describe: PIECE-sized pieces of one byte pattern.
PIECE = 16384


def pieces_for(size):
    n = (size + PIECE - 1) // PIECE
    return b"".join(hashlib.sha1(b"%d" % i).digest() for i in range(n))


def v1_multi(files, name="data"):
    size = sum(f["length"] for f in files)
    return {"announce": "http://10.0.0.3:6969/announce",
            "info": {"name": name, "piece length": PIECE, "files": files,
                     "pieces": pieces_for(size)}}


def v1_single(name, length=PIECE * 2):
    return {"info": {"name": name, "piece length": PIECE, "length": length,
                     "pieces": pieces_for(length)}}


def f(path, length=PIECE, **extra):
    d = {"path": path, "length": length}
    d.update(extra)
    return d


def v2(layer_ok=False, root=None):
    """A v2 torrent of one 4-piece file whose piece layer does not hash to
    its pieces root (or whose root is given)."""
    plen = 16384
    layer = b"".join(hashlib.sha256(b"leaf%d" % i).digest() for i in range(4))
    if root is None:
        root = hashlib.sha256(b"not the merkle root of the layer").digest()
    info = {"name": "data", "piece length": plen, "meta version": 2,
            "file tree": {"file.bin": {"": {"length": plen * 4, "pieces root": root}}}}
    return {"info": info, "piece layers": {root: layer}}


def cases(canary):
    c = {}
    c["dotdot-path"] = (v1_multi([f(["ok"]), f(["..", "..", canary])]),
                        "a path component is ..")
    c["dotdot-name"] = (v1_single("../" + canary), "the name contains ../")
    c["name-dotdot"] = (v1_multi([f(["x"])], name=".."), "the name is ..")
    c["name-dot"] = (v1_multi([f(["x"])], name="."), "the name is .")
    c["absolute-name"] = (v1_single("/tmp/" + canary), "the name is an absolute path")
    c["absolute-path"] = (v1_multi([f(["/tmp", canary])]), "a component starts with /")
    c["slash-in-component"] = (v1_multi([f(["a/../../" + canary])]),
                               "a component contains /")
    c["backslash"] = (v1_multi([f(["..\\..\\" + canary])]), "a component contains \\ and ..")
    CONTAIN.update({"backslash", "symlink-attr"})
    c["empty-component"] = (v1_multi([f(["", canary])]), "an empty path component")
    c["empty-path"] = (v1_multi([f([])]), "a file with an empty path list")
    c["empty-name"] = (v1_single(""), "an empty name")
    c["nul-in-name"] = (v1_single("ok\0/../" + canary), "a NUL byte in the name")
    c["duplicate-paths"] = (v1_multi([f(["same"]), f(["same"])]), "two files with one path")
    c["file-and-dir"] = (v1_multi([f(["a"]), f(["a", "b"])]), "a path is both file and folder")
    c["symlink-attr"] = (v1_multi([f(["ok"]),
                                   f(["link"], 0, attr="l", **{"symlink path": ["..", "..", canary]})]),
                         "a BEP 47 symlink pointing out of the folder")
    huge = 1 << 50
    c["huge-piece-count"] = ({"info": {"name": "data", "piece length": 16384, "length": huge,
                                       "pieces": hashlib.sha1(b"x").digest()}},
                             "2^36 pieces claimed, one hash given")
    c["huge-length"] = ({"info": {"name": "data", "piece length": 1 << 30, "length": 1 << 62,
                                  "pieces": hashlib.sha1(b"x").digest() * 4}},
                        "a length of 2^62")
    c["negative-length"] = (v1_multi([f(["a"], -PIECE), f(["b"], PIECE * 2)]),
                            "a negative file length")
    c["pieces-not-20"] = ({"info": {"name": "data", "piece length": PIECE, "length": PIECE * 2,
                                    "pieces": pieces_for(PIECE * 2) + b"x"}},
                          "pieces is not a multiple of 20 bytes")
    c["pieces-count-wrong"] = ({"info": {"name": "data", "piece length": PIECE,
                                         "length": PIECE * 3, "pieces": pieces_for(PIECE)}},
                               "fewer piece hashes than pieces")
    c["zero-piece-length"] = ({"info": {"name": "data", "piece length": 0, "length": 10,
                                        "pieces": pieces_for(10)}}, "piece length 0")
    c["no-info"] = ({"announce": "http://10.0.0.3:6969/announce"}, "no info dictionary")
    c["v2-layer-mismatch"] = (v2(), "a v2 piece layer that does not hash to its pieces root")
    c["v2-bad-piece-length"] = ({"info": {"name": "data", "piece length": 20000,
                                          "meta version": 2, "file tree": {"f": {"": {
                                              "length": 10, "pieces root": b"\0" * 32}}}}},
                                "a v2 piece length that is not a power of two >= 16 KiB")
    c["v2-dotdot"] = ({"info": {"name": "data", "piece length": 16384, "meta version": 2,
                                "file tree": {"..": {canary: {"": {"length": 10}}}}}},
                      "a v2 file tree with a .. component")
    return c


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: bt-badmeta.py OUTDIR [CANARY]")
    out = sys.argv[1]
    canary = sys.argv[2] if len(sys.argv) > 2 else "outpost-evil"
    os.makedirs(out, exist_ok=True)
    index = []
    for name, (meta, what) in cases(canary).items():
        with open(os.path.join(out, name + ".torrent"), "wb") as fh:
            fh.write(benc(meta))
        index.append((name, what))
    # Raw bencode defects.
    good = benc(v1_multi([f(["a"]), f(["b"])]))
    raw = {
        "truncated": (good[:len(good) // 2], "bencode cut in half"),
        "deep-lists": (b"d4:info" + b"l" * 100000 + b"e" * 100000 + b"e",
                       "lists nested 100000 deep"),
        "deep-dicts": (b"d4:info" + b"d1:a" * 50000 + b"i0e" + b"e" * 50000 + b"e",
                       "dictionaries nested 50000 deep"),
        "huge-string-length": (b"d4:info99999999999:xe", "a string length beyond the file"),
        "trailing-garbage": (good + b"garbage", "bytes after the top-level dictionary"),
        "unsorted-keys": (b"d4:infod4:name4:data6:lengthi16384e12:piece lengthi16384e"
                          b"6:pieces20:" + hashlib.sha1(b"0").digest() + b"ee",
                          "info keys out of order (name before length)"),
        "leading-zero-int": (good.replace(b"i16384e", b"i016384e", 1), "an integer with a leading 0"),
        "empty-file": (b"", "an empty file"),
    }
    for name, (data, what) in raw.items():
        with open(os.path.join(out, name + ".torrent"), "wb") as fh:
            fh.write(data)
        index.append((name, what))
    # The control: the same generator without a defect, to be accepted.
    with open(os.path.join(out, "good.torrent"), "wb") as fh:
        fh.write(good)
    with open(os.path.join(out, "index"), "w") as fh:
        for name, what in index:
            fh.write("%s\t%s\t%s\n" % (name, "contain" if name in CONTAIN else "refuse", what))


if __name__ == "__main__":
    main()
