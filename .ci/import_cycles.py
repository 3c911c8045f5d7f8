"""Fail if any import cycle exists among the app's modules (run by .ci/run).

import-linter checks the layers; this finds cycles inside a package too, e.g. two
modules of ``projects`` importing each other, even when one import is inside a function.
It builds the same graph as import-linter (grimp) and prints each strongly connected
group of modules, with one import chain that closes the loop.
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

PACKAGES = ("freelance", "projects", "contracts")


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Tarjan's algorithm, iterative: groups of two or more modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return groups


def main() -> int:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    groups = strongly_connected(graph)
    if not groups:
        print(f"No import cycles among {len(graph.modules)} modules.")
        return 0
    for group in groups:
        first, second = group[0], next(m for m in group[1:])
        there = graph.find_shortest_chain(importer=first, imported=second)
        back = graph.find_shortest_chain(importer=second, imported=first)
        print(f"Import cycle among {len(group)} modules: {', '.join(group)}")
        print(f"  {' -> '.join(there or ())}  and back: {' -> '.join(back or ())}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
