"""Rebuilds the parameter tree of a nemos model file the way nemos' loader does, from NumPy alone.

Usage: nemos_unflatten.py FILE.npz
Prints the layout ("current", "legacy" or "none") on the first line and the tree on the second, in the
notation of the C++ tests: None, True, 3, 0.1, 'text', array(float32, (3, 6)), {'key': ...}, [...], (...).

The file is opened with allow_pickle=False. Each member name is split on the separator ("::" in the
current layout, "__" in the legacy one) into (container, key) pairs; the container names the type of what
sits under the key (dict, list, tuple, or item for a leaf). In the current layout dict keys carry a type
prefix. Sequences are dicts with digit keys until the end, then ordered by index.
"""

import sys

import numpy as np

PREFIXES = {"strkey:": str, "intkey:": int, "floatkey:": float, "reprkey:": str}


def leaf(value):
    if value.ndim != 0:
        return value
    kind = value.dtype.kind
    if kind == "U":
        return str(value)
    if kind == "f":
        return None if np.isnan(value) else float(value)
    if kind in "iu":
        return int(value)
    if kind == "b":
        return bool(value)
    return value


def typed_key(text, current):
    if not current:
        return text
    for prefix, kind in PREFIXES.items():
        if text.startswith(prefix):
            body = text[len(prefix):]
            return kind(body) if kind is not str else body
    return text


def unflatten(arrays, layout):
    sep = "::" if layout == "current" else "__"
    root = {}
    for name, value in arrays.items():
        parts = name.split(sep)
        pairs = list(zip(parts[::2], parts[1::2]))
        node = root
        parent = "dict"
        for i, (container, key) in enumerate(pairs):
            key = key if parent in ("list", "tuple") else typed_key(key, layout == "current")
            if i == len(pairs) - 1:
                node[key] = leaf(value)
                break
            node = node.setdefault(key, {"__container__": container})
            parent = container
    return finish(root)


def finish(node):
    if not isinstance(node, dict):
        return node
    container = node.pop("__container__", "dict")
    if container in ("list", "tuple"):
        items = [finish(v) for _, v in sorted(node.items(), key=lambda kv: int(kv[0]))]
        return tuple(items) if container == "tuple" else items
    return {k: finish(v) for k, v in node.items()}


def detect(names):
    def follows(name, sep):
        return any(name.startswith(t + sep) for t in ("dict", "list", "tuple", "item"))

    current = sum(follows(n, "::") for n in names)
    legacy = sum(follows(n, "__") for n in names)
    if current == 0 and legacy == 0:
        return "none"
    return "current" if current >= legacy else "legacy"


def show(value):
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return "'" + value + "'"
    if isinstance(value, np.ndarray):
        shape = "(" + ", ".join(str(d) for d in value.shape) + ("," if value.ndim == 1 else "") + ")"
        return "array(%s, %s)" % (value.dtype.name, shape)
    if isinstance(value, dict):
        return "{" + ", ".join(
            ("'%s'" % k if isinstance(k, str) else str(k)) + ": " + show(v) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(show(v) for v in value)
        return "(" + inner + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def main():
    with np.load(sys.argv[1], allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    layout = detect(list(arrays))
    print(layout)
    print(show(unflatten(arrays, layout)) if layout != "none" else "{}")


if __name__ == "__main__":
    main()
