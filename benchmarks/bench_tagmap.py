"""Tag maps at scale: CSV export/import, the whole check-config check, and the check a keystroke in
the tag-map editor runs, on the demo plant grown to ``--tags`` tags (default 20,000 extra Modbus
float tags, ring_seconds 600 so the history rings fit). Prints one JSON object; each figure is the
median of ``--repeat`` runs in seconds.

Usage: .venv/bin/python benchmarks/bench_tagmap.py [--tags 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from hmi_app.config import DEMO_CONFIG, PlantConfig, load_config
from hmi_app.tagmap.csv_io import import_rows, read_csv_text, tags_to_csv
from hmi_app.tagmap.draft import TagMapDraft
from hmi_app.tagmap.yaml_out import config_to_yaml


def big_plant(extra: int) -> PlantConfig:
    demo = load_config(DEMO_CONFIG)
    model = next(t for t in demo.tags if t.address.startswith("ir:") and t.data_type.value == "float32")
    tags = [*demo.tags]
    tags += [
        model.model_copy(update={"name": f"BULK.T{i:05d}", "address": f"hr:{2 * i % 60000}"})
        for i in range(extra)
    ]
    historian = demo.historian.model_copy(update={"ring_seconds": 600})
    return demo.model_copy(update={"tags": tags, "historian": historian})


def median_s(run: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = big_plant(args.tags)
    text = tags_to_csv(config.tags)
    table = read_csv_text(text)
    assert import_rows(config, table, replace=True) == config  # the figures are of a correct import
    draft = TagMapDraft.of(config)
    index = len(draft.rows) - 1
    print(
        json.dumps(
            {
                "tags": len(config.tags),
                "csv_mb": round(len(text.encode()) / 2**20, 2),
                "export_csv_s": median_s(lambda: tags_to_csv(config.tags), args.repeat),
                "read_and_import_csv_s": median_s(
                    lambda: import_rows(config, read_csv_text(text), replace=True), args.repeat
                ),
                "config_to_yaml_s": median_s(lambda: config_to_yaml(config), args.repeat),
                "editor_whole_check_s": median_s(draft.check, args.repeat),
                "editor_keystroke_check_s": median_s(
                    lambda: draft.check_with(index, "address", "hr:x"), args.repeat
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
