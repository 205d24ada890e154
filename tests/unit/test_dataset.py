"""Reading and validating input tables: every rejection names the file and the problem."""

import gzip
import io

import pandas as pd
import pytest

from review_classifier.dataset import (
    DatasetSchema,
    DataValidationError,
    extract_texts,
    load_labelled,
    read_table,
    write_table,
)

SCHEMA = DatasetSchema()


def frame(**columns):
    base = {"Title": ["Great", None, "Bad"], "Review Text": ["Love it", None, "Hate it"], "Recommended IND": [1, 1, 0]}
    base.update(columns)
    return pd.DataFrame(base)


def test_joins_title_and_text_and_drops_rows_without_text() -> None:
    table, dropped = load_labelled(frame(), SCHEMA, "x.csv")
    assert table["text"].tolist() == ["Great. Love it", "Bad. Hate it"]
    assert table["label"].tolist() == [1, 0]
    assert dropped == 1
    assert table.index.tolist() == [0, 2]


def test_either_text_column_alone_is_enough() -> None:
    texts = extract_texts(
        pd.DataFrame({"Title": ["Only title", None], "Review Text": [None, " only text "]}), SCHEMA, "x"
    )
    assert texts.tolist() == ["Only title", "only text"]


def test_string_labels_and_custom_columns() -> None:
    schema = DatasetSchema(
        text_columns=["body"], label_column="sentiment", positive_labels=["pos"], negative_labels=["neg"]
    )
    data = pd.DataFrame({"body": ["good", "bad"], "sentiment": ["pos", " neg"]})
    table, _ = load_labelled(data, schema, "reviews.parquet")
    assert table["label"].tolist() == [1, 0]


def test_float_labels_from_a_column_with_gaps_match_integer_declarations() -> None:
    data = frame(**{"Recommended IND": [1.0, None, 0.0]})
    table, dropped = load_labelled(data, SCHEMA, "x.csv")
    assert table["label"].tolist() == [1, 0] and dropped == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (frame().drop(columns=["Review Text"]), r"x\.csv: missing column\(s\) \['Review Text'\]"),
        (frame().drop(columns=["Recommended IND"]), r"x\.csv: missing column\(s\) \['Recommended IND'\]"),
        (frame(Title=[None] * 3, **{"Review Text": ["", " ", None]}), r"x\.csv: no row has text"),
        (
            frame(**{"Recommended IND": [1, 1, 2]}),
            r"x\.csv: column 'Recommended IND' has value\(s\) \['2'\] outside the declared labels .* in row\(s\) 3",
        ),
        (frame(**{"Recommended IND": [1, 0, None]}), r"x\.csv: column 'Recommended IND' is empty in row\(s\) 3"),
        (
            frame(**{"Recommended IND": [1, 0, 1]}).drop(index=1),
            r"x\.csv: only one class present \(2 rows, all positive\)",
        ),
    ],
    ids=["missing-text-column", "missing-label-column", "no-text", "unknown-label", "empty-label", "single-class"],
)
def test_rejections(data: pd.DataFrame, message: str) -> None:
    with pytest.raises(DataValidationError, match=message):
        load_labelled(data, SCHEMA, "x.csv")


def test_labels_cannot_be_both_positive_and_negative() -> None:
    with pytest.raises(ValueError, match="both positive and negative"):
        DatasetSchema(positive_labels=[1], negative_labels=["1"])


def test_reads_csv_gzip_and_parquet() -> None:
    data = frame()
    csv = data.to_csv(index=False).encode()
    parquet = io.BytesIO()
    data.to_parquet(parquet)
    for name, payload in [("a.csv", csv), ("a.csv.gz", gzip.compress(csv)), ("a.parquet", parquet.getvalue())]:
        read = read_table(io.BytesIO(payload), name)
        assert read["Review Text"].tolist()[0] == "Love it", name


@pytest.mark.parametrize("name", ["out.csv", "out.csv.gz", "out.parquet"])
def test_written_tables_read_back_whole(name: str) -> None:
    """A text with a bare carriage return, a newline, quotes and a comma keeps its tail, and the row count."""
    texts = ["seats that didn't have this playing.\rit's the only bad thing", 'a "quoted",\nline', None]
    data = pd.DataFrame({"text": texts, "probability": [0.25, 0.5, 0.75]})
    file = io.BytesIO()
    write_table(data, file, name)
    read = read_table(io.BytesIO(file.getvalue()), name)
    assert read["text"].tolist()[:2] == texts[:2]
    assert read["text"].isna().tolist() == [False, False, True]
    assert read["probability"].tolist() == [0.25, 0.5, 0.75]


def test_non_utf8_bytes_are_named() -> None:
    payload = "Title,Review Text,Recommended IND\nOk,caf\u00e9,1\n".encode("latin-1")
    with pytest.raises(DataValidationError, match=r"bad\.csv: not valid UTF-8 \(byte b'\\xe9'"):
        read_table(io.BytesIO(payload), "bad.csv")


def test_unreadable_and_unsupported_files_are_named() -> None:
    with pytest.raises(DataValidationError, match=r"broken\.parquet: cannot be read as a table"):
        read_table(io.BytesIO(b"not parquet"), "broken.parquet")
    with pytest.raises(DataValidationError, match=r"notes\.txt: unsupported file type"):
        read_table(io.BytesIO(b""), "notes.txt")
