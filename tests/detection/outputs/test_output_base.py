"""The output extension point: every format is registered, and every writer survives a hunt."""

from __future__ import annotations

import io

import pytest
from detection_output_samples import render, run_writer, sample_alerts, sample_summary

from mamori.detection.outputs import WRITERS, AlertWriter, OutputFormat, writer_for


def test_every_format_has_exactly_one_writer() -> None:
    assert set(WRITERS) == set(OutputFormat)
    assert len(set(WRITERS.values())) == len(OutputFormat)


def test_formats_are_the_documented_names() -> None:
    assert [fmt.value for fmt in OutputFormat] == ["table", "jsonl", "csv", "navigator", "html"]
    assert OutputFormat("navigator") is OutputFormat.NAVIGATOR


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_writer_for_builds_the_registered_writer_on_the_stream(fmt: OutputFormat) -> None:
    out = io.StringIO()
    writer = writer_for(fmt, out)
    assert isinstance(writer, AlertWriter)
    assert type(writer) is WRITERS[fmt]
    assert writer.out is out
    assert writer.suffix.startswith(".")
    assert writer.media_type


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_writes_the_samples_and_an_empty_hunt(fmt: OutputFormat) -> None:
    assert render(fmt).strip()
    empty = io.StringIO()
    run_writer(writer_for(fmt, empty), [], sample_summary([]))
    assert empty.getvalue().strip() or fmt in (OutputFormat.JSONL,)


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_survives_undecodable_and_odd_values(fmt: OutputFormat) -> None:
    out = io.StringIO()
    run_writer(writer_for(fmt, out), sample_alerts(), sample_summary())
    # A real file is strict UTF-8: a lone surrogate that reached it would raise here.
    out.getvalue().encode("utf-8")
    assert "\udcff" not in out.getvalue()


def test_an_abstract_writer_cannot_be_built() -> None:
    with pytest.raises(TypeError):
        AlertWriter(io.StringIO())  # type: ignore[abstract]
