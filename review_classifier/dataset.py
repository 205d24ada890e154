"""Reading and validating a labelled text dataset described by a :class:`DatasetSchema`.

Every rejection names the file and the problem (column, value, rows), because
the person reading the error is usually looking at a file they did not write.
"""

from __future__ import annotations

import csv
import io
from typing import IO, Any, List, Union

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

TEXT = "text"
LABEL = "label"
MAX_LISTED_ROWS = 5


class DataValidationError(ValueError):
    """The input data cannot be used; the message says which file and why."""


class DatasetSchema(BaseModel):
    """Which columns hold the text and the label, and what the labels mean."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text_columns: List[str] = Field(
        ["Title", "Review Text"], min_length=1, description="Columns joined, in this order, into the text to classify."
    )
    label_column: str = Field("Recommended IND", description="Column of the label (training only).")
    positive_labels: List[Union[int, str]] = Field(
        [1], min_length=1, description='Label values meaning positive (1, 1.0 and "1" are the same).'
    )
    negative_labels: List[Union[int, str]] = Field([0], min_length=1, description="Label values meaning negative.")

    @model_validator(mode="after")
    def _labels_disjoint(self) -> "DatasetSchema":
        both = {canonical_label(v) for v in self.positive_labels} & {canonical_label(v) for v in self.negative_labels}
        if both:
            raise ValueError(f"labels declared both positive and negative: {sorted(both)}")
        return self


def canonical_label(value: Any) -> str:
    """Compare labels as text, so ``1``, ``1.0`` and ``"1"`` are the same label."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _rows(index: pd.Index) -> str:
    """1-based data row numbers (header excluded), the first few of them."""
    numbers = [str(i + 1) for i in index[:MAX_LISTED_ROWS]]
    more = f" and {len(index) - MAX_LISTED_ROWS} more" if len(index) > MAX_LISTED_ROWS else ""
    return ", ".join(numbers) + more


def read_table(file: IO[bytes], source: str) -> pd.DataFrame:
    """Read CSV, gzipped CSV or Parquet, chosen by the name's suffix.

    ``file`` is an open binary file (local or from any fsspec/ZenML filesystem);
    ``source`` is its name, used for the format and in error messages.
    """
    name = source.lower()
    try:
        if name.endswith((".parquet", ".pq")):
            frame = pd.read_parquet(io.BytesIO(file.read()))
        elif name.endswith((".csv", ".csv.gz", ".tsv", ".tsv.gz")):
            frame = pd.read_csv(
                file,
                sep="\t" if ".tsv" in name else ",",
                compression="gzip" if name.endswith(".gz") else None,
                encoding="utf-8",
                dtype_backend="numpy_nullable",
            )
        else:
            raise DataValidationError(
                f"{source}: unsupported file type; expected .csv, .csv.gz, .tsv, .tsv.gz or .parquet"
            )
    except UnicodeDecodeError as error:
        raise DataValidationError(
            f"{source}: not valid UTF-8 (byte {error.object[error.start : error.start + 1]!r} "
            f"at offset {error.start} of a decoded block): {error.reason}"
        ) from error
    except DataValidationError:
        raise
    except Exception as error:  # pandas/pyarrow raise many types for unreadable bytes
        raise DataValidationError(f"{source}: cannot be read as a table: {error}") from error
    return frame


def write_table(frame: pd.DataFrame, file: IO[bytes], destination: str) -> None:
    """Write CSV (optionally gzipped) or Parquet, chosen by the destination's suffix.

    Every text field of a CSV is quoted: pandas' minimal quoting leaves a field with a bare carriage
    return unquoted, and any CSV reader then ends the row there, so the text's tail is lost.
    """
    name = destination.lower()
    if name.endswith((".parquet", ".pq")):
        frame.to_parquet(file, index=False)
    elif name.endswith((".csv", ".csv.gz")):
        compression = "gzip" if name.endswith(".gz") else None
        frame.to_csv(file, index=False, compression=compression, quoting=csv.QUOTE_NONNUMERIC)
    else:
        raise ValueError(f"{destination}: unsupported output type; expected .csv, .csv.gz or .parquet")


def _require_columns(frame: pd.DataFrame, columns: List[str], source: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{source}: missing column(s) {missing}; the file has columns {list(map(str, frame.columns))}"
        )


def extract_texts(frame: pd.DataFrame, schema: DatasetSchema, source: str) -> pd.Series:
    """Join the text columns of each row; rows where all are empty become ``""``."""
    _require_columns(frame, schema.text_columns, source)
    columns = [frame[c].astype("string").fillna("").str.strip().tolist() for c in schema.text_columns]
    joined = [". ".join(part for part in parts if part) for parts in zip(*columns, strict=True)]
    return pd.Series(joined, index=frame.index, dtype=object)


def load_labelled(frame: pd.DataFrame, schema: DatasetSchema, source: str) -> tuple[pd.DataFrame, int]:
    """Validate a labelled table -> (``text``/``label`` frame, number of empty-text rows dropped).

    ``label`` is 1 for a positive label, 0 for a negative one. The row index
    of the input is kept, so later errors can still name the original rows.
    """
    _require_columns(frame, [*schema.text_columns, schema.label_column], source)
    texts = load_unlabelled(frame, schema, source)[TEXT]
    has_text = texts != ""

    raw_labels = frame.loc[has_text, schema.label_column]
    missing = raw_labels.isna()
    if missing.any():
        raise DataValidationError(
            f"{source}: column '{schema.label_column}' is empty in row(s) {_rows(raw_labels.index[missing])}"
        )
    labels = raw_labels.map(canonical_label)
    positive = {canonical_label(v) for v in schema.positive_labels}
    negative = {canonical_label(v) for v in schema.negative_labels}
    unknown = ~labels.isin(positive | negative)
    if unknown.any():
        values = sorted(set(labels[unknown]))[:MAX_LISTED_ROWS]
        raise DataValidationError(
            f"{source}: column '{schema.label_column}' has value(s) {values} outside the declared labels "
            f"(positive {sorted(positive)}, negative {sorted(negative)}) in row(s) {_rows(labels.index[unknown])}"
        )
    binary = labels.isin(positive).astype("int64")
    if binary.nunique() < 2:
        present = "positive" if binary.iloc[0] == 1 else "negative"
        raise DataValidationError(
            f"{source}: only one class present ({len(binary)} rows, all {present}); "
            "a classifier needs both positive and negative examples"
        )
    table = pd.DataFrame({TEXT: texts[has_text], LABEL: binary})
    return table, int((~has_text).sum())


def load_unlabelled(frame: pd.DataFrame, schema: DatasetSchema, source: str) -> pd.DataFrame:
    """The ``text`` of every row, empty ones included (as ``""``), under the input's row index.

    Batch inference keeps the empty rows so they can be reported next to the
    predictions instead of silently disappearing.
    """
    texts = extract_texts(frame, schema, source)
    if not (texts != "").any():
        raise DataValidationError(
            f"{source}: no row has text in column(s) {schema.text_columns} ({len(frame)} rows read)"
        )
    return pd.DataFrame({TEXT: texts})
