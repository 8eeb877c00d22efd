"""The demo configuration must load and be open at any hour, any day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from videoschalter.config import load_config
from videoschalter.demo import demo_config_text


def test_demo_config_is_open_around_the_clock(tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    path.write_text(demo_config_text(), "utf-8")
    config = load_config(path)
    assert config.office_name.endswith("(Demo)")
    assert config.service("meldebescheinigung") is not None
    assert config.department("buergeramt").walk_in

    @settings(max_examples=200, deadline=None)
    @given(st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2030, 12, 31),
                        timezones=st.just(dt.UTC)))
    def always_open(when: dt.datetime) -> None:
        assert all(d.hours.is_open(when) for d in config.departments)

    always_open()
